/**
 * A simulated Espruino board that runs a firmware bundle unmodified: Storage on a VirtualFlash that survives
 * reboots, a fresh `node:vm` realm per boot (RAM does not survive), Espruino globals backed by virtual
 * hardware, time only from the shared VirtualClock, and the Espruino-subset gate in front of every install.
 *   const dev = new EspruinoDevice({ board: 'puckjs', clock, seed: 1 });
 *   dev.install(bundleJs);   // subset check, then Storage ".bootcde"
 *   dev.boot();              // fresh realm, boot code from Storage, E.on('init')
 *   clock.advance(5000);     // timers and watches fire in virtual time
 */
import { checkEspruinoSubset, type Violation } from '../../../firmware/build/subset';
import { BOARDS, type BoardProfile } from '../../../firmware/build/subset-budget';
import type { VirtualClock } from '../clock';
import { SeededRandom } from '../random';
import { type AuditRoots, auditRoots } from './audit-roots';
import { createCrypto } from './crypto';
import {
  armWatchdog,
  BootState,
  type ConsoleHooks,
  type DeviceError,
  describeError,
  type EspruinoDeviceOptions,
  EspruinoError,
  estimateRealm,
  markBuiltins,
  type SerialName,
  sizeOfValue,
} from './device-types';
import { VirtualFlash } from './flash';
import { installGlobals } from './globals';
import { type I2cDevice, installHardware, PinBank } from './hardware';
import type { DeviceHost } from './host';
import { analyseBootCode } from './memory-code';
import { createNrf, RadioState } from './nrf';
import { createRealm, type Realm } from './realm';
import { createSerial, type SerialEndpoint, SerialPortState } from './serial';
import { FlashStorage } from './storage';
import { createStorageModule } from './storage-module';
import { bytesToString, toBytes } from './values';

export type { ConsoleHooks, DeviceError, EspruinoDeviceOptions, SerialName } from './device-types';
export { EspruinoError } from './device-types';

export class EspruinoDevice {
  readonly board: BoardProfile;
  readonly clock: VirtualClock;
  readonly flash: VirtualFlash;
  readonly storage: FlashStorage;
  readonly pins: PinBank;
  readonly radio: RadioState;
  readonly rng: SeededRandom;
  /** Every uncaught error, in order (also printed as `Uncaught ...`). */
  readonly errors: DeviceError[] = [];
  /** Globals the firmware used that the runtime does not provide. */
  readonly missingGlobals: string[] = [];
  /** Reboots other than boot(): watchdog, E.reboot, power cut. */
  readonly resets: { at: number; reason: string }[] = [];
  state: 'off' | 'running' | 'halted' = 'off';
  i2c: I2cDevice | undefined;
  console: ConsoleHooks | undefined;
  private out = '';
  private readonly serials = new Map<string, SerialPortState>();
  private consoleOn: string | null;
  private readonly guardMs: number;
  private readonly memoryCheckMs: number;
  private readonly memoryEstimateMs: number;
  private gen = 0;
  private realm_: Realm | undefined;
  private boot_: BootState | undefined;

  constructor(opts: EspruinoDeviceOptions) {
    this.board = opts.aes === undefined ? BOARDS[opts.board] : { ...BOARDS[opts.board], aes: opts.aes };
    this.clock = opts.clock;
    this.flash = opts.flash ?? new VirtualFlash(this.board.storageBytes);
    this.storage = new FlashStorage(this.flash);
    this.pins = new PinBank(this.board.name);
    this.rng = new SeededRandom(opts.seed ?? 0);
    const mac = new Uint8Array(6);
    this.rng.fork('mac').fill(mac);
    mac[0] = (mac[0] as number) | 0xc0;
    this.radio = new RadioState(
      `${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':')} random`,
    );
    this.i2c = opts.i2c;
    this.guardMs = opts.guardMs ?? 10_000;
    this.memoryCheckMs = opts.memoryCheckMs ?? 300_000;
    this.memoryEstimateMs = opts.memoryEstimateMs ?? 60_000;
    const names: SerialName[] =
      this.board.name === 'esp32' ? ['Serial1', 'Serial2', 'Bluetooth'] : ['Serial1', 'Bluetooth'];
    for (const n of names) this.serials.set(n, new SerialPortState(n));
    this.consoleOn =
      opts.console === undefined ? (this.board.name === 'esp32' ? 'Serial1' : 'Bluetooth') : opts.console;
  }

  /** All console text printed since the device was made (print, console.log, errors, REPL). */
  get consoleOutput(): string {
    return this.out;
  }

  clearConsoleOutput(): void {
    this.out = '';
  }

  /** The running realm (for the PII audit and debugging). Throws when the device is off. */
  get context(): Realm {
    if (!this.realm_) throw new EspruinoError('device is not running', 'NOT_RUNNING');
    return this.realm_;
  }

  serial(name: SerialName): SerialEndpoint {
    const s = this.serials.get(name);
    if (!s)
      throw new Error(`${this.board.name} has no ${name} (ports: ${[...this.serials.keys()].join(', ')})`);
    return s;
  }

  /** Name of the port the REPL is on. */
  get consolePort(): string | null {
    return this.consoleOn;
  }

  /**
   * Checks the bundle against the Espruino subset, then stores it as `.bootcde` (or `opts.file`).
   * `ignoreRules` is for tests that exercise a quirk on purpose (e.g. 'math-pow').
   */
  install(bundle: string, opts: { file?: string; ignoreRules?: string[] } = {}): void {
    const file = opts.file ?? '.bootcde';
    const v = checkEspruinoSubset(bundle, { ignore: opts.ignoreRules ?? [] });
    if (v.length > 0) {
      const first = v[0] as Violation;
      throw new EspruinoError(
        `bundle is outside the Espruino subset: ${first.rule} at ${first.line}:${first.column} (${first.message})` +
          (v.length > 1 ? ` and ${v.length - 1} more` : ''),
        'SUBSET',
        v,
      );
    }
    this.storage.write(file, toBytes(bundle));
  }

  /** Power on: a fresh realm, boot files from Storage, then E.on('init'). Throws if the boot code throws. */
  boot(): void {
    this.start('boot', '.bootcde');
    const first = this.boot_?.bootError;
    if (first) throw new EspruinoError(`boot code failed on ${this.board.name}: ${first}`, 'BOOT');
    this.checkMemory();
  }

  /** Power removed: RAM, timers and pin levels are gone; Storage and the radio address survive. */
  powerCut(): void {
    this.stop();
    this.resets.push({ at: this.clock.now(), reason: 'power' });
  }

  /** Hard reboot (E.reboot / watchdog): like a power cycle, then boot again. */
  reboot(reason = 'reboot'): void {
    this.resets.push({ at: this.clock.now(), reason });
    this.stop();
    this.start('boot', '.bootcde');
  }

  /** Runs source in the running realm (the REPL and tests); errors are reported like Espruino, not thrown. */
  eval(source: string): { ok: boolean; value: unknown } {
    const realm = this.context;
    try {
      const value = realm.run(source, `${this.board.name}/repl`, this.guardMs);
      return { ok: true, value };
    } catch (e) {
      this.report(e);
      return { ok: false, value: undefined };
    }
  }

  /** What the PII audit walks as this board's RAM (audit-roots.ts). Throws when the device is off. */
  auditRoots(): AuditRoots {
    return auditRoots(this.context, this.boot_ as BootState, this);
  }

  /** JsVars the firmware holds now (see memory.ts for the model). */
  memoryUsage(): { usage: number; total: number; free: number; blocksize: number } {
    const usage = this.boot_ ? this.estimate() : 0;
    return { usage, total: this.board.vars, free: this.board.vars - usage, blocksize: this.board.blockSize };
  }

  /** Throws when the firmware raised an uncaught error or ran out of memory. */
  assertHealthy(): void {
    if (this.errors.length > 0)
      throw new Error(`${this.board.name} firmware errors: ${this.errors.map((e) => e.message).join('; ')}`);
  }

  // ---- internals -----------------------------------------------------------------------------------------

  /** Console text (print, errors, REPL echo and prompt): kept in consoleOutput and sent out of the console port. */
  consoleWrite(text: string): void {
    this.out += text;
    if (this.consoleOn) this.serials.get(this.consoleOn)?.transmit(toBytes(text));
  }

  private report(e: unknown): void {
    if (e instanceof EspruinoError) throw e;
    const d = describeError(e, this.realm_);
    if (d.missing && !this.missingGlobals.includes(d.missing)) this.missingGlobals.push(d.missing);
    this.errors.push({ at: this.clock.now(), message: d.message });
    if (d.stuck && this.boot_?.watchdog) {
      this.reboot('watchdog');
      return;
    }
    this.consoleWrite(`Uncaught ${d.message}\r\n`);
  }

  private stop(): void {
    if (this.boot_) {
      this.boot_.globals.clearTimers();
      for (const id of this.boot_.clockTimers) this.clock.clearTimer(id);
    }
    for (const s of this.serials.values()) s.deliver = undefined;
    this.radio.hooks = undefined;
    this.pins.onInput = undefined;
    this.pins.levels = new Map();
    this.realm_ = undefined;
    this.boot_ = undefined;
    this.state = 'off';
    this.gen++;
  }

  /** Fresh realm + globals; then runs boot files (kind 'boot'/'load') or nothing (reset). */
  start(kind: 'boot' | 'reset' | 'load', file: string | undefined): void {
    this.stop();
    const realm = createRealm(`espruino-${this.board.name}`);
    const gen = this.gen;
    this.realm_ = realm;
    const b = new BootState();
    this.boot_ = b;
    this.state = 'running';
    const host: DeviceHost = {
      realm,
      clock: this.clock,
      board: this.board,
      invoke: (fn, self, args) => {
        if (this.gen !== gen || this.state !== 'running') return undefined;
        try {
          return realm.call(fn, self, args, this.guardMs);
        } catch (e) {
          this.report(e);
          return undefined;
        }
      },
      later: (ms, cb) => {
        const id = this.clock.setTimer(ms, () => {
          b.clockTimers.delete(id);
          if (this.gen === gen && this.state === 'running') cb();
        });
        b.clockTimers.add(id);
        return id;
      },
      cancel: (id) => {
        this.clock.clearTimer(id);
        b.clockTimers.delete(id);
      },
      print: (t) => this.consoleWrite(t),
      setErrorFlag: (f) => b.globals.flags.add(f),
      addRoot: (name, values) => b.roots.push({ name, values }),
    };
    this.installAll(realm, host, b);
    if (kind === 'reset') {
      this.console?.onBoot('reset');
      return;
    }
    this.runBootFiles(realm, b, file);
    if (this.gen !== gen) return;
    b.globals.emitE('init');
    const onInit = realm.global.onInit;
    if (typeof onInit === 'function') host.invoke(onInit, undefined, []);
    if (this.memoryCheckMs > 0) this.scheduleMemoryCheck(host);
    this.console?.onBoot(kind);
  }

  private runBootFiles(realm: Realm, b: BootState, file: string | undefined): void {
    const names = ['.boot0', '.boot1', '.boot2', '.boot3'].filter((n) => this.storage.find(n));
    if (file) names.push(file);
    if (!file && this.storage.find('.bootcde')) names.push('.bootcde');
    for (const name of names) {
      const bytes = this.storage.read(name);
      if (!bytes) continue;
      const src = bytesToString(bytes);
      const code = analyseBootCode(src);
      b.codeVars += code.vars;
      b.bootCode.push(code);
      try {
        realm.run(src, `${this.board.name}/${name}`, this.guardMs);
      } catch (e) {
        const before = this.errors.length;
        this.report(e);
        b.bootError ??= this.errors[before]?.message ?? String(e);
      }
    }
  }

  private scheduleMemoryCheck(host: DeviceHost): void {
    host.later(this.memoryCheckMs, () => {
      this.checkMemory();
      if (this.state === 'running') this.scheduleMemoryCheck(host);
    });
  }

  /** OUT OF MEMORY like Espruino: flag MEMORY, the run stops, the error names the board and the count. */
  private checkMemory(): void {
    if (!this.boot_ || this.state !== 'running') return;
    const usage = this.estimate();
    if (usage <= this.board.vars) return;
    this.boot_.globals.flags.add('MEMORY');
    const message = `OUT OF MEMORY on ${this.board.name}: ~${usage} JsVars needed, ${this.board.vars} available`;
    this.errors.push({ at: this.clock.now(), message });
    this.consoleWrite(`${message}\r\n`);
    this.boot_.globals.clearTimers();
    for (const id of this.boot_.clockTimers) this.clock.clearTimer(id);
    this.state = 'halted';
    throw new EspruinoError(message, 'OUT_OF_MEMORY');
  }

  private estimate(): number {
    return this.boot_ && this.realm_ ? estimateRealm(this.realm_, this.boot_) : 0;
  }

  private installAll(realm: Realm, host: DeviceHost, b: BootState): void {
    const g = realm.global;
    for (const k of Object.getOwnPropertyNames(g)) b.intrinsics.add(k);
    const routing = {
      current: () => this.consoleOn,
      set: (n: string | null) => this.setConsole(n),
      input: (bytes: Uint8Array) => this.console?.input(bytes),
    };
    b.globals = installGlobals(g, host, {
      reset: () => this.deferred(() => this.start('reset', undefined)),
      load: (file) => this.deferred(() => this.start('load', file ?? '.bootcde')),
      save: () => {
        const lines = (this.console?.history ?? []).filter((l) => !/\bsave\s*\(/.test(l));
        this.storage.write('.bootcde', toBytes(lines.join('\n')));
      },
      reboot: () => this.deferred(() => this.reboot('E.reboot')),
      setBootCode: (code) => this.storage.write('.bootcde', toBytes(code)),
      setConsole: (n) => this.setConsole(n),
      consoleName: () => this.consoleOn,
      memory: () => {
        // Firmware may poll this every heartbeat; a walk costs ~10-50 ms, so re-estimate only so often.
        const now = this.clock.now();
        if (!b.memo || now - b.memo.at >= this.memoryEstimateMs)
          b.memo = { at: now, usage: this.memoryUsage().usage };
        return { usage: b.memo.usage, total: this.board.vars };
      },
      sizeOf: (v) => sizeOfValue(realm, b, v),
      watchdog: (timeoutS, isAuto) => armWatchdog(host, b, timeoutS, isAuto, () => this.reboot('watchdog')),
      kick: () => {
        b.lastKick = this.clock.now();
      },
      hwRand: () => this.rng.u32() | 0,
      require: (name) => {
        if (Object.hasOwn(b.modules, name)) return b.modules[name];
        throw realm.error('Error', `Module ${name} not found`);
      },
      echo: (on) => {
        b.echo = on;
      },
    });
    installHardware(g, host, this.pins, () => this.i2c);
    for (const [name, state] of this.serials) g[name] = createSerial(name, state, host, routing);
    if (this.board.nrf)
      g.NRF = createNrf(host, this.radio, {
        nfc: this.board.nfc,
        name: `${this.board.envBoard} ${this.radio.address.slice(12, 17).replace(':', '')}`,
      });
    b.modules.Storage = createStorageModule(realm, this.storage);
    b.modules.crypto = createCrypto(realm, (line) => this.consoleWrite(`${line}\r\n`), {
      aes: this.board.aes,
      sha512: this.board.name === 'esp32',
    });
    markBuiltins(g, b);
  }

  /** Moves the REPL to another port (E.setConsole from outside), or removes it (null). */
  setConsole(name: SerialName | string | null): void {
    if (name !== null && !this.serials.has(name)) return;
    this.consoleOn = name;
  }

  /** reset()/load()/E.reboot() replace the realm: do it after the calling firmware code has returned. */
  private deferred(fn: () => void): void {
    this.boot_?.globals.emitE('kill');
    const gen = this.gen;
    this.clock.setTimer(0, () => {
      if (this.gen === gen) fn();
    });
  }

  /** For the console: the current boot's state. */
  get echoOn(): boolean {
    return this.boot_?.echo ?? true;
  }
}
