// A service run as its own process by run-service.int.spec.ts: one slow handler on the in-memory transport.
import * as z from 'zod';
import { defineEvent } from '../contracts/contract.js';
import { on } from '../handlers/handler.js';
import { defineService } from '../service/define-service.js';
import { runService } from '../service/run-service.js';

const WorkRequested = defineEvent({ name: 'slow.work-requested', version: 1, schema: z.object({ id: z.string() }) });

class DoWork {
  async handle(work: { id: string }): Promise<void> {
    process.stdout.write(`handler started ${work.id}\n`);
    await new Promise((resolve) => setTimeout(resolve, Number(process.env['WORK_MS'] ?? 300)));
    process.stdout.write(`handler finished ${work.id}\n`);
  }
}

const slow = defineService({
  name: 'slow',
  config: z.object({ WORK_MS: z.coerce.number().int().min(1).default(300) }),
  handlers: [on(WorkRequested, DoWork)],
  hooks: [],
});

// Like a telemetry flush, the exit hook takes a moment: the process must wait for it, whatever made it exit.
const flush = () => new Promise<void>((resolve) => setTimeout(() => resolve(void process.stdout.write('exiting\n')), 50));
const service = await runService(slow, { beforeExit: flush });
service.onState((state) => process.stdout.write(`state ${state}\n`));
if (service.state === 'ready') await service.bus.publish(WorkRequested, { id: 'w1' });
