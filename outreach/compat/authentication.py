"""MassProspecting's clients authenticate with `api_key` in the JSON body instead of a header."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.exceptions import AuthenticationFailed

from workspaces.authentication import TokenAuthentication

API_KEY_FIELD = "api_key"


class BodyApiKeyAuthentication(TokenAuthentication):
    """The user's DRF token, given as `api_key` in the request body.

    No key: not this scheme (None), so the other schemes and then the 401 apply. A key that
    names no token: 401, never a silent fall-back to anonymous.
    """

    def authenticate(self, request):
        data = request.data
        key = data.get(API_KEY_FIELD) if hasattr(data, "get") else None
        if key is None or key == "":
            return None
        if not isinstance(key, str):
            raise AuthenticationFailed("Invalid api_key.")
        try:
            return self.authenticate_credentials(key.strip())
        except AuthenticationFailed as exc:
            if exc.detail == "Invalid token.":
                raise AuthenticationFailed("Invalid api_key.") from None
            raise


class BodyApiKeyScheme(OpenApiAuthenticationExtension):
    """OpenAPI has no security scheme for a key inside the body: the request bodies document
    `api_key` instead, and this keeps the class from passing for the header token scheme."""

    target_class = BodyApiKeyAuthentication
    name: list[str] = []

    def get_security_definition(self, auto_schema):
        return []

    def get_security_requirement(self, auto_schema):
        return None
