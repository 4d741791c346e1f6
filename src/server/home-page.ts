/** What `/` serves when the web application is not built: how to build it and where the API is. */
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
<p>The server is running, but the web application has not been built: run <code>npm run build</code> (or start with <code>npm start</code>, which builds it). Meanwhile work through the HTTP API or the <code>trialdesk</code> command line.</p>
<ul>
  <li><a href="/api/openapi.json">API reference (OpenAPI 3.1)</a></li>
  <li><a href="/api/health">Health</a></li>
  <li>Sign in: <code>POST /api/auth/sign-in</code> with <code>{"username": "admin", "password": "…"}</code></li>
</ul>
</main>
</body>
</html>
`;
