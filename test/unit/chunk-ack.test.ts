/**
 * AckTracker (RTMP-SPEC §5.4.3–§5.4.5; peers that never ack would stall a sender that waits): when an Acknowledgement is
 * due (wrap-safe), advisory in-flight accounting that tolerates resets, wraps at
 * 0xF0000000 and non-cumulative acks, and Set Peer Bandwidth limit types.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AckTracker, ChunkReader, PeerBandwidthLimit } from '../../src/chunk/index.js';
import { RTMPUsageError } from '../../src/errors.js';

describe('AckTracker inbound', () => {
  it('never acknowledges before a window is announced', () => {
    const t = new AckTracker();
    assert.equal(t.ackDue(10_000_000), undefined);
  });

  it('acknowledges when received − lastAcknowledged ≥ window, with the total mod 2^32', () => {
    const t = new AckTracker();
    t.setWindowSize(2_500_000);
    assert.equal(t.ackDue(2_499_999), undefined);
    assert.equal(t.ackDue(2_500_000), 2_500_000);
    assert.equal(t.ackDue(4_999_999), undefined);
    assert.equal(t.ackDue(5_100_000), 5_100_000);
    assert.equal(t.lastAcknowledged, 5_100_000);
  });

  it('handles the 2^32 wrap of the byte counter', () => {
    const t = new AckTracker({ receivedBase: 0xffff0000 });
    t.setWindowSize(0x20000);
    assert.equal(t.ackDue(0x00000100), undefined, '0x10100 bytes since the base');
    assert.equal(t.ackDue(0x00010000), 0x00010000);
    assert.equal(t.ackDue((0x00010000 + 0x20000) >>> 0), 0x30000);
  });

  it('acknowledges after a fraction of the window with ratio (FFmpeg uses ½)', () => {
    const t = new AckTracker({ ratio: 0.5 });
    t.setWindowSize(1000);
    assert.equal(t.ackDue(499), undefined);
    assert.equal(t.ackDue(500), 500);
    assert.throws(() => new AckTracker({ ratio: 0 }), RTMPUsageError);
    assert.throws(() => new AckTracker({ ratio: 1.5 }), RTMPUsageError);
  });

  it('works from ChunkReader#bytesReceived', () => {
    const r = new ChunkReader();
    const t = new AckTracker();
    t.setWindowSize(100);
    const zeroLen = Buffer.from('030000000000001400000000', 'hex');
    let acks = 0;
    for (let i = 0; i < 50; i++) {
      r.push(i === 0 ? zeroLen : Buffer.from([0xc3]));
      if (t.ackDue(r.bytesReceived) !== undefined) acks++;
    }
    assert.equal(r.bytesReceived, 12 + 49);
    assert.equal(acks, 0);
    for (let i = 0; i < 39; i++) r.push(Buffer.from([0xc3]));
    assert.equal(t.ackDue(r.bytesReceived), 100);
  });
});

describe('AckTracker outbound (advisory)', () => {
  it('counts in-flight bytes and applies cumulative acks', () => {
    const t = new AckTracker();
    t.recordSent(5000);
    assert.equal(t.inFlight, 5000);
    t.acknowledge(2500);
    assert.equal(t.inFlight, 2500);
    t.acknowledge(5000);
    assert.equal(t.inFlight, 0);
    assert.equal(t.ackAnomalies, 0);
  });

  it('counts across 2^32', () => {
    const t = new AckTracker();
    t.recordSent(0xfffffff0);
    t.acknowledge(0xfffffff0);
    t.recordSent(0x100);
    assert.equal(t.bytesSent, 0xf0);
    assert.equal(t.inFlight, 0x100);
    t.acknowledge(0x70);
    assert.equal(t.inFlight, 0x80);
    assert.equal(t.ackAnomalies, 0);
  });

  it('tolerates a peer wrapping at 0xF0000000 (Flash, NMS)', () => {
    const t = new AckTracker();
    t.recordSent(0xefc80000);
    t.acknowledge(0xefc806b8 - 0x10000);
    t.recordSent(0x600000);
    t.acknowledge(0x00500eb7); // the peer's counter restarted at 0xF0000000
    assert.equal(t.inFlight, 0, 'taken as everything acknowledged, never a huge in-flight');
    assert.equal(t.ackAnomalies, 1);
  });

  it('tolerates repeated, constant or backwards acks (YouTube increments)', () => {
    const t = new AckTracker();
    t.recordSent(5_000_000);
    t.acknowledge(131_325);
    t.recordSent(5_000_000);
    t.acknowledge(131_325);
    assert.equal(t.inFlight, 0);
    t.recordSent(1000);
    t.acknowledge(50);
    assert.equal(t.inFlight, 0);
    assert.equal(t.ackAnomalies, 2);
  });

  it('accepts a count slightly ahead of ours (handshake bytes) without an anomaly', () => {
    const t = new AckTracker();
    t.recordSent(100_000);
    t.acknowledge(100_000 + 3073);
    assert.equal(t.inFlight, 0);
    assert.equal(t.ackAnomalies, 0);
  });

  it('applies Set Peer Bandwidth limit types and says when to announce a window', () => {
    const t = new AckTracker();
    assert.equal(
      t.setPeerBandwidth(5_000_000, PeerBandwidthLimit.Dynamic),
      undefined,
      'dynamic first: ignored',
    );
    assert.equal(t.peerBandwidth, 0);
    assert.equal(t.setPeerBandwidth(2_500_000, PeerBandwidthLimit.Soft), 2_500_000);
    assert.equal(t.setPeerBandwidth(3_000_000, PeerBandwidthLimit.Soft), undefined, 'soft keeps the smaller');
    assert.equal(t.peerBandwidth, 2_500_000);
    assert.equal(t.setPeerBandwidth(5_000_000, PeerBandwidthLimit.Hard), 5_000_000);
    assert.equal(
      t.setPeerBandwidth(4_000_000, PeerBandwidthLimit.Dynamic),
      4_000_000,
      'dynamic after hard acts as hard',
    );
    assert.equal(
      t.setPeerBandwidth(4_000_000, PeerBandwidthLimit.Hard),
      undefined,
      'unchanged: nothing to announce',
    );
    t.setAnnouncedWindowSize(1000);
    assert.equal(t.setPeerBandwidth(4_000_000, PeerBandwidthLimit.Hard), 4_000_000);
    assert.equal(t.setPeerBandwidth(1, 7), undefined, 'unknown limit types are ignored');
  });

  it('reports the send window as open until in-flight reaches the peer bandwidth', () => {
    const t = new AckTracker();
    t.recordSent(10_000_000);
    assert.ok(t.sendWindowOpen, 'no limit set');
    t.setPeerBandwidth(1000, PeerBandwidthLimit.Hard);
    assert.ok(!t.sendWindowOpen);
    t.acknowledge(10_000_000);
    assert.ok(t.sendWindowOpen);
  });
});
