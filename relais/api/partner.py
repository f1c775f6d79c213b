"""With an application key: file requests, add documents, follow them; book, register."""

from ninja import Router

router = Router(tags=["Applications partenaires"])
