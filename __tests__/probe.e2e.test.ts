import { startBlog } from '../test-support/real-ghost';
import { RealGhostStack } from '../tools/real-ghost-stack';
import { ask } from '../test-support/http-client';

let blog: RealGhostStack;
beforeAll(async () => { blog = await startBlog(); }, 180_000);
afterAll(async () => { await blog?.stop(); });

it('serves the home page', async () => {
  const t = Date.now();
  const answer = await ask(blog.proxy, { host: 'www.example.com', path: '/' });
  console.log(answer.status, Date.now() - t, JSON.stringify(answer.headers), answer.body.toString().slice(0, 200));
  console.log(blog.ghost.cgroup?.usage());
});
