"""`manage.py workspace create NAME --admin USERNAME` and
`manage.py workspace add USERNAME --to NAME --role ROLE`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from workspaces import services
from workspaces.choices import Role
from workspaces.models import Workspace


class Command(BaseCommand):
    help = "Create workspaces and put users in them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="A new workspace with its first admin.")
        create.add_argument("name")
        create.add_argument("--admin", required=True, help="Username of its first admin.")
        add = sub.add_parser("add", help="Put a user in a workspace (moving them if needed).")
        add.add_argument("username")
        add.add_argument("--to", required=True, dest="workspace", help="Workspace name.")
        add.add_argument("--role", default=Role.REP, choices=Role.values)

    def handle(self, *args, verb, **options):
        try:
            if verb == "create":
                workspace = services.workspace_create(
                    name=options["name"], admin=self._user(options["admin"])
                )
                self.stdout.write(f"Created workspace {workspace.name} ({workspace.public_id}).")
            else:
                workspace = Workspace.objects.filter(name=options["workspace"]).first()
                if workspace is None:
                    raise CommandError(f"No workspace named {options['workspace']!r}.")
                user = self._user(options["username"])
                services.member_add(
                    workspace=workspace, user=user, role=options["role"], actor=None
                )
                self.stdout.write(f"{user.username} is now {options['role']} of {workspace.name}.")
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        return user
