/**
 * BLE adapter errors with the real @stoprocent/noble: a missing adapter is a typed error after which the
 * process can still exit (noble.stop()), and the permission error tells the user the setcap fix.
 */
import { adapterStateError, BleAdapter, SETCAP_HINT, TransportError } from '@badgewire/host';
import { describe, expect, it } from 'vitest';

describe('BleAdapter.open without an adapter', () => {
  it('rejects with E_BLE_NO_ADAPTER for an adapter that does not exist (hci57)', async () => {
    const t0 = Date.now();
    const err = await BleAdapter.open({ deviceId: 57, poweredOnTimeoutMs: 8000 }).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('E_BLE_NO_ADAPTER');
    expect(err.message).toContain('hci57');
    expect(Date.now() - t0).toBeLessThan(9000);
  });
});

describe('adapterStateError', () => {
  it('maps unauthorized to E_BLE_PERMISSION with the setcap command', () => {
    const e = adapterStateError('unauthorized', 'hci0') as TransportError;
    expect(e.code).toBe('E_BLE_PERMISSION');
    expect(e.transient).toBe(false);
    expect(e.message).toContain('setcap cap_net_raw+eip $(eval readlink -f $(which node))');
    expect(SETCAP_HINT).toContain('CAP_NET_RAW');
  });

  it('maps unsupported to E_BLE_NO_ADAPTER and leaves transitional states alone', () => {
    expect(adapterStateError('unsupported', 'hci0')?.code).toBe('E_BLE_NO_ADAPTER');
    for (const s of ['poweredOff', 'poweredOn', 'resetting', 'unknown'])
      expect(adapterStateError(s, 'hci0')).toBe(undefined);
  });
});
