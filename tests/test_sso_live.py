"""Single sign-on end to end: a real OpenID Provider (django-oauth-toolkit in OIDC mode, RSA key
generated here, tests/oidc_provider/) in its own process, the tracker's live stack configured
for it through OIDC_PROVIDERS, and headless Chromium clicking through the provider's login form
and consent page.

What the provider says is real protocol: the tracker fetches discovery, sends PKCE (the
provider refuses a client without it), exchanges the code, checks the ID token and reads
userinfo. Two of the provider's clients are deliberately broken (an ID token for another
audience, an expired one), and one of its users claims someone else's email unverified.
"""

import json
import re
import uuid

import pyotp
import pytest

from tests.conftest import stack_kind
from tests.live import LiveStack
from tests.oidc_provider.server import OpenIdProvider
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, screenshot

pytestmark = pytest.mark.live

OP_PASSWORD = "op-password-" + uuid.uuid4().hex[:8]
TEAM_RULES = "backend-devs=Backend:admin; frontend-devs=Frontend"
PROVIDERS = {  # provider id in the tracker -> (button label, the provider's client id)
    "testidp": ("Test IdP", "bugsink"),
    "wrongaud": ("Wrong audience IdP", "wrong-audience"),
    "expired": ("Expired token IdP", "expired"),
}


def op_user(email: str, verified: bool, groups: list[str]) -> dict:
    claims = {"email": email, "email_verified": verified, "name": "Test Person", "groups": groups}
    return {"password": OP_PASSWORD, "claims": claims}


@pytest.fixture(scope="module")
def sso(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sso")
    stack = LiveStack(stack_kind(), workdir / "stack")
    users = {
        "alice": op_user("alice@example.com", True, ["backend-devs"]),
        "mallory": op_user("victim@example.com", False, []),
        "vic": op_user("vic@example.com", True, []),
        "ivy": op_user("ivy@example.com", True, []),
        "eve": op_user("eve@example.com", True, ["backend-devs"]),
    }
    clients = [
        {
            "name": f"Bugsink via {label}",
            "client_id": client_id,
            "client_secret": f"secret-{client_id}",
            "redirect_uri": f"{stack.base_url}/accounts/oidc/{provider_id}/login/callback/",
        }
        for provider_id, (label, client_id) in PROVIDERS.items()
    ]
    op = OpenIdProvider(workdir, users, clients).start()
    providers = [
        {
            "id": provider_id,
            "label": label,
            "server_url": op.issuer,
            "client_id": client_id,
            "client_secret": f"secret-{client_id}",
            "scopes": "openid profile email groups",
            "team_rules": TEAM_RULES,
        }
        for provider_id, (label, client_id) in PROVIDERS.items()
    ]
    stack.env["OIDC_PROVIDERS"] = json.dumps(providers)
    try:
        stack.start()
        yield stack, op
    finally:
        stack.stop()
        op.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, sso):
    stack, _ = sso
    context = browser.new_context(base_url=stack.base_url)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def start_sso(page, op: OpenIdProvider, label: str, username: str) -> None:
    """From the tracker's login page through the provider's login form and consent page."""
    page.goto("/accounts/login/")
    screenshot(page, "sso-login-page")
    page.get_by_role("button", name=f"Sign in with {label}").click()
    # The provider asks for a password unless this browser is still signed in there.
    page.wait_for_selector("#op-login, input[name=allow]")
    assert page.url.startswith(op.base_url), page.url
    if page.locator("#op-login").count():
        page.fill("#id_username", username)
        page.fill("#id_password", OP_PASSWORD)
        page.click("#op-login")
    page.wait_for_selector("input[name=allow]")  # the consent page
    page.click("input[name=allow]")


def memberships(stack: LiveStack, email: str) -> dict[str, str]:
    rows = stack.sql(
        "SELECT t.name, m.role FROM projects_teammembership m"
        " JOIN projects_team t ON t.id = m.team_id JOIN auth_user u ON u.id = m.user_id"
        " WHERE u.email = %s",
        (email,),
    )
    return dict(rows)


def users_with_email(stack: LiveStack, email: str) -> list[tuple]:
    return stack.sql("SELECT id, username FROM auth_user WHERE email = %s", (email,))


def social_accounts(stack: LiveStack) -> int:
    return stack.sql("SELECT COUNT(*) FROM socialaccount_socialaccount")[0][0]


def audit(stack: LiveStack, kind: str) -> list[tuple]:
    return stack.sql(
        "SELECT login_key, method, detail FROM signin_auditevent WHERE kind = %s", (kind,)
    )


def sign_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/logout/"))


def test_first_sso_login_creates_the_user_and_maps_groups_to_teams(sso, page):
    stack, op = sso
    start_sso(page, op, "Test IdP", "alice")
    page.wait_for_url(f"{stack.base_url}/")
    assert page.get_by_text("alice").first.is_visible()
    screenshot(page, "sso-signed-in")
    ((user_id, username),) = users_with_email(stack, "alice@example.com")
    assert username == "alice"
    assert memberships(stack, "alice@example.com") == {"Backend": "admin"}
    (signed_in,) = [row for row in audit(stack, "signed_in") if row[0] == "alice"]
    assert signed_in[1] == "sso:testidp"

    # The provider moves alice to another group: the next sign-in moves her to another team.
    sign_out(page)
    op.set_claims("alice", groups=["frontend-devs"])
    start_sso(page, op, "Test IdP", "alice")
    page.wait_for_url(f"{stack.base_url}/")
    assert users_with_email(stack, "alice@example.com") == [(user_id, "alice")]
    assert memberships(stack, "alice@example.com") == {"Frontend": "member"}


def test_invited_email_joins_the_invited_team_through_sso(sso, page):
    stack, op = sso
    stack.manage("createuser", "ivy-inviter", uuid.uuid4().hex, "--team", "Mobile")
    team_id = stack.sql("SELECT id FROM projects_team WHERE name = 'Mobile'")[0][0]
    stack.sql(
        "INSERT INTO projects_invitation (team_id, email, role, token, created_at)"
        " VALUES (%s, %s, %s, %s, CURRENT_TIMESTAMP)",
        (team_id, "ivy@example.com", "member", uuid.uuid4().hex),
    )
    start_sso(page, op, "Test IdP", "ivy")
    page.wait_for_url(f"{stack.base_url}/")
    assert memberships(stack, "ivy@example.com") == {"Mobile": "member"}
    accepted = stack.sql(
        "SELECT accepted_at FROM projects_invitation WHERE email = 'ivy@example.com'"
    )
    assert accepted[0][0] is not None


def test_verified_email_links_the_existing_account(sso, page):
    stack, op = sso
    stack.manage("createuser", "vic-local", uuid.uuid4().hex, "--email", "vic@example.com")
    ((user_id, _),) = users_with_email(stack, "vic@example.com")
    start_sso(page, op, "Test IdP", "vic")
    page.wait_for_url(f"{stack.base_url}/")
    assert users_with_email(stack, "vic@example.com") == [(user_id, "vic-local")]
    assert page.get_by_text("vic-local").first.is_visible()


def assert_refused(page, stack: LiveStack, reason: str, accounts_before: int) -> None:
    page.wait_for_selector("h1:has-text('Sign-in refused')")
    assert reason in page.inner_text("main")
    assert "Nothing was created or changed" in page.inner_text("main")
    assert social_accounts(stack) == accounts_before
    assert page.get_by_role("button", name="Log out").count() == 0  # not signed in


def test_unverified_email_cannot_take_over_an_existing_account(sso, page):
    stack, op = sso
    stack.manage("createuser", "victim", uuid.uuid4().hex, "--email", "victim@example.com")
    before = social_accounts(stack)
    start_sso(page, op, "Test IdP", "mallory")
    assert_refused(page, stack, "does not say that the email address", before)
    screenshot(page, "sso-refused-unverified-email")
    assert [u for _, u in users_with_email(stack, "victim@example.com")] == ["victim"]
    assert any("unverified email" in row[2] for row in audit(stack, "sso_refused"))


def test_id_token_for_another_audience_is_refused(sso, page):
    stack, op = sso
    before = social_accounts(stack)
    start_sso(page, op, "Wrong audience IdP", "eve")
    assert_refused(page, stack, "issued for another application", before)
    assert users_with_email(stack, "eve@example.com") == []


def test_expired_id_token_is_refused(sso, page):
    stack, op = sso
    before = social_accounts(stack)
    start_sso(page, op, "Expired token IdP", "eve")
    assert_refused(page, stack, "has expired", before)
    assert users_with_email(stack, "eve@example.com") == []


def test_tampered_state_is_refused(sso, page):
    stack, op = sso
    before = social_accounts(stack)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Test IdP").click()
    page.fill("#id_username", "eve")
    page.fill("#id_password", OP_PASSWORD)
    page.click("#op-login")
    # On the consent page the state the provider will send back is a hidden field: alter it,
    # as a man in the middle would, so the callback carries a state this browser never made.
    state = page.locator("input[name=state]")
    original = state.input_value()
    state.evaluate("(input, value) => { input.value = value; }", original[::-1] + "x")
    page.click("input[name=allow]")
    assert_refused(page, stack, "did not start in this browser", before)
    assert users_with_email(stack, "eve@example.com") == []


def test_totp_enrolment_and_a_recovery_code_in_the_browser(sso, page):
    """allauth's second-factor pages in the site's frame and under its CSP: the QR code and the
    secret show, a pyotp code turns TOTP on, and a recovery code signs in once."""
    stack, _ = sso
    username, password = f"totp-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    stack.manage("createuser", username, password)

    def password_login() -> None:
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.get_by_role("button", name="Log in", exact=True).click()

    password_login()
    page.wait_for_url(f"{stack.base_url}/")
    page.get_by_role("link", name="Two-factor").click()
    page.goto("/accounts/2fa/totp/activate/")
    page.fill("input[name=password]", password)  # a change of second factor: password again
    page.locator("main button[type=submit]").first.click()
    page.wait_for_selector("#authenticator_secret")
    assert page.locator("img[alt]").first.evaluate("img => img.naturalWidth > 0")  # the QR code
    screenshot(page, "totp-activate")
    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.locator("main button[type=submit]").first.click()
    page.wait_for_selector("#recovery_codes")
    codes = page.input_value("#recovery_codes").split()
    assert len(codes) == 10
    sign_out(page)

    password_login()
    page.wait_for_selector("input[name=code]")  # the password alone is not enough
    page.fill("input[name=code]", codes[0])
    page.locator("main button[type=submit]").first.click()
    page.wait_for_url(f"{stack.base_url}/")
    sign_out(page)

    password_login()
    page.fill("input[name=code]", codes[0])  # used: refused
    page.locator("main button[type=submit]").first.click()
    page.wait_for_selector("input[name=code]")
    assert page.get_by_role("button", name="Log out").count() == 0
    methods = [row[1] for row in audit(stack, "signed_in") if row[0] == username]
    assert methods == ["password", "password+recovery_codes"]
