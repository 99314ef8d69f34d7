/**
 * `badgewire firmware provision | verify | monitor | list | doctor | batch`: the bench commands after `flash`.
 * Output names devices by reader id, key id and fingerprint: never keys, never badge serials.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { runBatch } from './batch';
import {
  addTargetOptions,
  closeLink,
  type DeviceDeps,
  type KeyAccess,
  type KeyStoreArgs,
  openTarget,
  reportFailure,
  type TargetOptions,
  targetName,
} from './cli';
import type { BadgeFields } from './device-fields';
import { FlashError } from './errors';
import { runDoctor, runList } from './inventory';
import { monitorDevice } from './monitor';
import {
  type ProvisionReport,
  planReader,
  provisionBadge,
  provisionReader,
  type ReaderPlan,
  rebootDevice,
} from './provision';
import { type VerifyReport, verifyDevice } from './verify';

export interface ProvisionCommandOptions extends TargetOptions, KeyStoreArgs {
  role: string;
  id?: string;
  door?: string;
  cid?: string;
  si?: string;
  sw?: string;
  dd?: string;
  relay?: string;
  link?: string;
  master?: string;
  serial?: string;
  clock?: string;
  reboot?: boolean;
  dryRun?: boolean;
}

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

export function readerPlanOf(o: ProvisionCommandOptions): ReaderPlan {
  if (!o.id) throw new FlashError('E_FLASH_USAGE', 'a reader needs --id <16 hex digits>');
  const p: ReaderPlan = { id: o.id };
  const opt = {
    door: num(o.door),
    cid: num(o.cid),
    si: num(o.si),
    sw: num(o.sw),
    dd: num(o.dd),
    relay: num(o.relay),
  };
  for (const [k, v] of Object.entries(opt))
    if (v !== undefined) (p as unknown as Record<string, number>)[k] = v;
  if (o.link !== undefined) p.link = o.link;
  return p;
}

function keysOf(deps: DeviceDeps, o: KeyStoreArgs): KeyAccess {
  if (!deps.openKeys) throw new FlashError('E_FLASH_USAGE', 'this build of the CLI has no key store');
  return deps.openKeys(o);
}

export async function runProvision(
  o: ProvisionCommandOptions,
  deps: DeviceDeps,
  log: (l: string) => void = console.log,
): Promise<ProvisionReport | null> {
  if (o.role !== 'reader' && o.role !== 'badge') throw new FlashError('E_FLASH_USAGE', '--role reader|badge');
  if (o.dryRun) {
    if (o.role !== 'reader') throw new FlashError('E_FLASH_USAGE', '--dry-run supports --role reader');
    log(`dry run: would provision ${targetName(o)}; no key is issued, nothing is opened`);
    for (const l of planReader(readerPlanOf(o))) log(l);
    return null;
  }
  const keys = keysOf(deps, o);
  let badge: BadgeFields | undefined;
  if (o.role === 'badge') {
    if (!o.master || !o.serial || !keys.badgeKeys)
      throw new FlashError('E_FLASH_USAGE', 'a badge needs --master <key id> and --serial <badge serial>');
    const k = keys.badgeKeys(o.master, o.serial);
    badge = {
      kId: k.kId,
      kTap: k.kTap,
      cid: num(o.cid) ?? 0xffff,
      clock: num(o.clock) ?? Math.floor(Date.now() / 1000),
    };
  }
  const { link, transport } = await openTarget(o, deps);
  try {
    const r = badge
      ? await provisionBadge(link, badge, keys.fingerprint, { transport })
      : await provisionReader(link, readerPlanOf(o), keys, { transport });
    log(
      r.role === 'reader'
        ? `provisioned reader ${r.readerId} on ${targetName(o)}: key ${r.keyId} (fingerprint ${r.fingerprint}` +
            `${r.reusedKey ? ', the key issued earlier' : ', newly issued'}), files ${r.files.join(', ')}`
        : `provisioned badge on ${targetName(o)}: K_id fingerprint ${r.fingerprint}, files ${r.files.join(', ')}`,
    );
    if (o.reboot) {
      await rebootDevice(link, { transport });
      log(`rebooted ${targetName(o)}: it now runs the ${r.role} with its new identity`);
    }
    return r;
  } finally {
    await closeLink(link);
  }
}

export async function runVerify(
  o: TargetOptions & KeyStoreArgs & { bundle?: string },
  deps: DeviceDeps,
  log: (l: string) => void = console.log,
): Promise<VerifyReport> {
  const keys = keysOf(deps, o);
  const { link, transport } = await openTarget(o, deps);
  try {
    const bundle = o.bundle ? new Uint8Array(readFileSync(o.bundle)) : undefined;
    const r = await verifyDevice(link, keys, { bundle, transport });
    const fw = r.firmwareCrc === null ? 'none' : r.firmwareCrc.toString(16).padStart(8, '0');
    log(
      `${targetName(o)}: firmware CRC ${fw}${r.firmwareOk === null ? '' : r.firmwareOk ? ' (matches)' : ' (DIFFERS)'}, ` +
        `${r.role}${r.readerId ? ' ' + r.readerId : ''}${r.fingerprint ? ', key fingerprint ' + r.fingerprint : ''}` +
        `${r.keyId ? ` = ${r.keyId} (${r.keyState})` : ''}`,
    );
    for (const p of r.problems) log(`  problem: ${p}`);
    log(r.ok ? 'verify: OK' : 'verify: FAILED');
    if (!r.ok) throw new FlashError('E_VERIFY_MISMATCH', r.problems.join('; '));
    return r;
  } finally {
    await closeLink(link);
  }
}

function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--store <file>', 'sealed key store file')
    .option('--key-file <file>', 'unlock with this key file instead of a passphrase')
    .option(
      '--passphrase-env <VAR>',
      'environment variable holding the passphrase',
      'BADGEWIRE_KEYSTORE_PASSPHRASE',
    );
}

function act<A extends unknown[]>(name: string, fn: (...a: A) => Promise<unknown>) {
  return async (...a: A) => {
    try {
      await fn(...a);
    } catch (e) {
      reportFailure(name, e);
    }
  };
}

export function registerDeviceCommands(fw: Command, deps: DeviceDeps): void {
  addStoreOptions(addTargetOptions(fw.command('provision').description('write a reader or badge identity')))
    .requiredOption('--role <role>', 'reader | badge')
    .option('--id <hex16>', 'reader id (16 hex digits)')
    .option('--door <n>', 'door number')
    .option('--cid <n>', 'company id in the advertisements')
    .option('--si <ms>', 'scan interval')
    .option('--sw <ms>', 'scan window')
    .option('--dd <ms>', 'de-duplication window')
    .option('--relay <ms>', 'door relay pulse')
    .option('--link <link>', 'host link: ble | Serial1 | Serial2')
    .option('--master <keyId>', 'badge: event master key id')
    .option('--serial <serial>', 'badge: printed serial (used on the host only, never written to the badge)')
    .option('--clock <s>', 'badge: clock in seconds (default: now)')
    .option('--reboot', 'reboot the device afterwards')
    .option('--dry-run', 'print what would be written')
    .action(act('provision', (o: ProvisionCommandOptions) => runProvision(o, deps)));

  addStoreOptions(addTargetOptions(fw.command('verify').description('check firmware CRC, identity and key')))
    .option('--bundle <file>', 'the bundle the device should run')
    .action(act('verify', (o: TargetOptions & KeyStoreArgs & { bundle?: string }) => runVerify(o, deps)));

  addTargetOptions(
    fw.command('monitor').description('live console: reader health and link frames (no secrets)'),
  )
    .option('--interval <s>', 'health poll interval', '5')
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)')
    .action(
      act('monitor', async (o: TargetOptions & { interval: string; duration?: string }) => {
        const { link, transport } = await openTarget(o, deps);
        await monitorDevice(link, {
          transport,
          intervalMs: Number(o.interval) * 1000,
          durationMs: o.duration === undefined ? undefined : Number(o.duration) * 1000,
          out: (l) => console.log(l),
        });
      }),
    );

  fw.command('list')
    .description('find attached boards (USB ids, BLE names)')
    .option('--scan <s>', 'BLE scan time (0: no BLE scan)', '3')
    .action(act('list', async (o: { scan: string }) => runList(deps, Number(o.scan) * 1000, console.log)));

  fw.command('doctor')
    .description('check Node, serial permissions and Bluetooth, and say how to fix')
    .action(
      act('doctor', async () => {
        if (!(await runDoctor(deps, console.log))) process.exitCode = 1;
      }),
    );

  addStoreOptions(
    fw.command('batch <job>').description('flash + provision + verify many devices from a job file'),
  ).action(
    act('batch', async (job: string, o: KeyStoreArgs) => {
      const rows = await runBatch(JSON.parse(readFileSync(job, 'utf8')), deps, o, console.log);
      if (rows.some((r) => !r.ok)) process.exitCode = 2;
    }),
  );
}
