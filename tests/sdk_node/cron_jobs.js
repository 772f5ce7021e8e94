// Cron jobs reporting through the real @sentry/node: one that succeeds, one that throws, and
// one that registers its schedule once and then never runs again. DSN from SENTRY_DSN.
const Sentry = require('@sentry/node');

Sentry.init({ dsn: process.env.SENTRY_DSN, release: 'jobs@1.0.0', environment: 'production' });

const daily = { schedule: { type: 'interval', value: 1, unit: 'day' }, checkinMargin: 1 };

(async () => {
  await Sentry.withMonitor('node-ok', async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }, daily);
  try {
    await Sentry.withMonitor('node-error', async () => {
      throw new Error('report generation failed');
    }, daily);
  } catch (e) {
    // the job failed: withMonitor has sent its error check-in
  }
  Sentry.captureCheckIn({ monitorSlug: 'node-never', status: 'ok' }, {
    schedule: { type: 'interval', value: 5, unit: 'minute' }, checkinMargin: 1,
  });
  await Sentry.flush(10000);
  await Sentry.close(10000);
})();
