"""The options auth kinds read from an endpoint's settings, as one typed model (each kind uses its own few)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Word = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,100}$")]
Path = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_./-]{1,200}$")]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s@]+$", max_length=2000)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AuthOptions(BaseModel):
    """Every option an auth kind reads (each kind uses its own few, see AuthKind.options)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    auth_scheme: Word | None = Field(None, description="the Authorization scheme word (Bearer)")
    api_key_name: Word | None = Field(None, description="the header or query parameter that carries the key")
    api_key_in: Literal["header", "query"] | None = None
    username: Text | None = Field(None, description="the user name to sign in with")
    login_path: Path | None = Field(None, description="the login path below the URL (Login)")
    logout_path: Path | None = Field(None, description="the logout path below the URL (Logout)")
    username_field: Word | None = Field(None, description="the login body's user name member (UserName)")
    password_field: Word | None = Field(None, description="the login body's password member (Password)")
    login_body: dict[Word, str | int | bool] | None = None
    company_db: Text | None = Field(None, description="the company database to sign in to (SAP Business One)")
    oauth_preset: Literal["zoho", "quickbooks"] | None = None
    client_id: Text | None = Field(None, description="the OAuth2 client (app) id")
    token_url: Url | None = Field(None, description="the OAuth2 token endpoint, an https:// URL")
    authorize_url: Url | None = Field(None, description="the OAuth2 authorization page, an https:// URL")
    scopes: list[Text] | Text | None = None
    redirect_port: Annotated[int, Field(ge=0, le=65535, description="a port from 0 (any) to 65535")] | None = None
    redirect_path: Path | None = Field(None, description="the path the sign-in redirects to (/callback)")
    token_auth: Literal["body", "basic"] | None = None
    refresh_before_s: Annotated[int, Field(ge=0, le=86400, description="seconds from 0 to 86400")] | None = None
    accounts_server: Url | None = Field(None, description="Zoho's accounts server for the data centre")


AUTH_OPTION_KEYS = frozenset(AuthOptions.model_fields)
