"""With a staff application key: the team's cases, as its agents see them; accompaniments."""

from ninja import Router

router = Router(tags=["Équipes"])
