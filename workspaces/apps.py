from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = "Workspaces"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from core.scoping import workspace_of_user

        from . import audit, selectors

        workspace_of_user.register(selectors.workspace_id_of)
        user_logged_in.connect(audit.signed_in, dispatch_uid="audit_sign_in")
        user_login_failed.connect(audit.sign_in_failed, dispatch_uid="audit_sign_in_failed")
        get_user_model()  # the user model is ready before the first request
