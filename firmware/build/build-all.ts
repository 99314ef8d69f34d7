/** `npm run build -w @badgewire/firmware`, after tsup: every bundle, the size report, non-zero on refusal. */
import { buildAll, formatReport } from './bundle';

const results = await buildAll();
console.log(formatReport(results));
if (results.some((r) => !r.ok)) process.exit(1);
