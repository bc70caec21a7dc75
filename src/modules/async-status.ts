/** async_status: the state of a job an `async:` task started (`poll: 0`), or `mode: cleanup` to remove its results. */
import { controllerJobs, jobFields, jobResult, readJob, removeJob } from './support/async-job.js';
import { defineModule } from './define.js';

export default defineModule({
  name: 'async_status',
  supportsCheckMode: true,
  refusesAsync: true,
  spec: {
    options: {
      jid: { type: 'str', required: true },
      mode: { type: 'str', default: 'status', choices: ['status', 'cleanup'] },
    },
  },
  async run(args, ctx) {
    const jid = args.jid;
    if (!/^[A-Za-z0-9._-]+$/.test(jid)) return { changed: false, failed: true, msg: `invalid job id '${jid}'` };
    const inController = controllerJobs.get(jid);
    if (inController) {
      if (args.mode === 'cleanup') {
        controllerJobs.delete(jid);
        return { changed: false, ansible_job_id: jid, erased: jid };
      }
      if (!inController.result) return { changed: false, ansible_job_id: jid, started: true, finished: false };
      controllerJobs.delete(jid);
      return { ...inController.result, ansible_job_id: jid, started: true, finished: true };
    }
    const job = await readJob(ctx, jid);
    if (job.state === 'missing') return { changed: false, failed: true, ansible_job_id: jid, started: true, finished: true, msg: 'could not find job' };
    if (args.mode === 'cleanup') {
      await removeJob(ctx, jid);
      return { changed: false, ansible_job_id: jid, erased: job.dir };
    }
    if (job.state === 'running') return { ...jobFields(jid, job.dir, false), stdout: '', stderr: '', stdout_lines: [], stderr_lines: [] };
    return jobResult(ctx, jid, job);
  },
});
