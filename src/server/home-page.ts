/** What `/` serves until the web application lands: where things are, in plain HTML. */
export const homePage = (version: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>trialdesk</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a; }
  code { background: #f2f2f2; padding: 0 .25rem; border-radius: 3px; }
  a { color: #0b57d0; }
</style>
</head>
<body>
<main>
<h1>trialdesk <small>${version}</small></h1>
<p>The server is running. The browser application is not part of this version yet: work through the HTTP API or the <code>trialdesk</code> command line.</p>
<ul>
  <li><a href="/api/openapi.json">API reference (OpenAPI 3.1)</a></li>
  <li><a href="/api/health">Health</a></li>
  <li>Sign in: <code>POST /api/auth/sign-in</code> with <code>{"username": "admin", "password": "…"}</code></li>
</ul>
</main>
</body>
</html>
`;
