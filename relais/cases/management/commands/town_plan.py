"""Set the town's plan under the public map of street reports."""

import mimetypes
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relais.cases import street_services


class Command(BaseCommand):
    help = (
        "Set the town's plan (SVG, PNG, JPEG or WebP) under the public map of street reports, with the "
        "longitudes and latitudes of its edges: --bounds WEST,SOUTH,EAST,NORTH (e.g. 0.679,47.2485,0.693,47.258)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The plan: an SVG or an image.")
        parser.add_argument("--bounds", required=True, help="WEST,SOUTH,EAST,NORTH in degrees.")

    def handle(self, *args, file, bounds, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            west, south, east, north = (float(v) for v in bounds.split(","))
        except ValueError:
            raise CommandError("--bounds takes four numbers: WEST,SOUTH,EAST,NORTH") from None
        content_type = mimetypes.guess_type(path.name)[0] or ""
        try:
            plan = street_services.town_plan_set(
                data=path.read_bytes(), content_type=content_type, bounds=(west, south, east, north)
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Town plan set ({content_type}, {plan}).")
