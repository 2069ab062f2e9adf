import Fastify from 'fastify';

/** The baseline: Fastify answering a static JSON object, with no hooks, plugins or database. */
const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`hello-world listening on ${address}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
