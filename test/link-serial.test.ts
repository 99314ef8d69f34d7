/**
 * The Link contract on a real pseudo-terminal pair (socat) with the real serialport package on both ends:
 * SerialLink (host) on one, PtyLink (simulator device side) on the other. Unplug = killing socat.
 */
import { openSerialLink } from '@badgewire/host';
import { openPtyLink, openTempPtyPair } from '@badgewire/simulator';
import { describeLinkContract } from './contracts/link.contract';

describeLinkContract(
  'SerialLink <-> PtyLink over a socat pty',
  async ({ highWaterMark }) => {
    const pty = await openTempPtyPair();
    const a = await openSerialLink({ path: pty.a, highWaterMark });
    const b = await openPtyLink(pty.b, highWaterMark);
    return {
      a,
      b,
      cut: () => pty.kill(),
      dispose: async () => {
        a.close();
        b.close();
        await pty.dispose();
      },
    };
  },
  { closeReachesPeer: false },
);
