import { defineRoute } from '../route.js';

export const systemRoutes = (health: () => Promise<{ engine: string }>) => [
  defineRoute({
    method: 'GET',
    url: '/api/health',
    summary: 'Liveness and database check; 200 when the server can reach its database.',
    tag: 'system',
    auth: false,
    handler: async () => ({ status: 'ok', ...(await health()) }),
  }),
];
