import fp from 'fastify-plugin';

/**
 * Node's server.close() reaps only connections idle at that moment; a keep-alive connection whose
 * request is still running would hold shutdown open until its keep-alive timeout. Once closing
 * starts, every response asks the client to close, so in-flight requests finish and then leave.
 */
export const drainPlugin = fp(
  async (app) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close');
    });
  },
  { name: 'drain' },
);
