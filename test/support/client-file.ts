// The client secrets JSON the Cloud console downloads for a "Desktop app" client, pointed at a
// local fake provider: the tests that run a flow or a lifecycle command against a fake write it.

export interface InstalledClient {
  clientId: string;
  clientSecret: string;
  authUri: string;
  tokenUri: string;
}

/** `{"installed": {…}}` with the loopback redirect Google registers for Desktop app clients. */
export function installedClientJson(client: InstalledClient): string {
  return JSON.stringify({
    installed: {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      auth_uri: client.authUri,
      token_uri: client.tokenUri,
      redirect_uris: ['http://localhost'],
    },
  });
}
