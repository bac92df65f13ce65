// A real OpenID provider for the gateway's single sign-on tests (the npm package oidc-provider, never a mock).
// Started by tests/gateway/test_oidc_sign_in.py: `node provider.mjs` with IDP_PORT, IDP_CLIENTS (a JSON list of
// {client_id, client_secret, redirect_uris}) and IDP_USERS (a JSON object: account id -> claims, e.g. groups).
// PKCE (S256) is required of every client; devInteractions' login form signs anyone in whose account id is in
// IDP_USERS (any password), and consent is granted up front, as a council's IdP does for its own applications.
// IDP_CODE_TTL sets how many seconds an authorization code lives (60 unless given).
import Provider from "oidc-provider";

const port = Number(process.env.IDP_PORT);
const users = JSON.parse(process.env.IDP_USERS);
const clients = JSON.parse(process.env.IDP_CLIENTS).map((client) => ({
  ...client, grant_types: ["authorization_code"], response_types: ["code"],
}));
const scopes = ["openid", "profile", "groups"];

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients,
  pkce: { required: () => true },
  ttl: { AuthorizationCode: Number(process.env.IDP_CODE_TTL ?? 60) },
  features: { devInteractions: { enabled: true } },
  claims: { openid: ["sub"], profile: ["name", "preferred_username"], groups: ["groups"] },
  scopes,
  conformIdTokenClaims: false, // the groups ride in the ID token, as Entra ID, Okta and Keycloak can send them
  cookies: { keys: ["test-only-cookie-key"] },
  async findAccount(ctx, id) {
    if (!(id in users)) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...users[id] }) };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(scopes.join(" "));
    grant.addOIDCClaims(["name", "preferred_username", "groups"]);
    await grant.save();
    return grant;
  },
});

provider.listen(port, "127.0.0.1", () => console.log(`ready ${provider.issuer}`));
