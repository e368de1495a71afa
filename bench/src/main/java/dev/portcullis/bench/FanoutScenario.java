package dev.portcullis.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code fanout}: one room of {@code --members} receivers plus one sender, all on one loop. The sender
 * sends as fast as the room delivers: at most {@code --fanout-window} messages may be on their way to some
 * member, so the server's outbound bound is never what limits it. Every receiver checks that it sees every
 * seq once, in order; latency is from the sender's clock reading in the payload to the receiver's read
 * (one process, one clock). The baseline broadcasts the same bytes with the library's broadcast.
 * Target: deliveries/s ratio at least 0.8, nothing lost or reordered.
 */
final class FanoutScenario extends Scenario {
    static final String ROOM = "fan";
    private static final byte[] SEQ = Texts.utf8("\"seq\":");
    private static final byte[] T = Texts.utf8("\"t\":");
    /** No message completed for this long: the run is stuck (a member cut off, a message lost). */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(20);
    /**
     * No message completed for this long: Ping the members still missing the oldest one, to flush a message
     * stuck in the server (WsClient#ping). Long enough that a merely slow delivery is left alone.
     */
    private static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    record Result(double deliveriesPerSecond, double messagesPerSecond, Histogram latency, Usage usage,
                  long lost, long reordered, long closed, String closeReason, long pings, List<String> notes) implements Measured {
    }

    @Override
    Report run(Bench bench) {
        Options o = bench.options();
        Map<String, Result> r = bench.both("fanout", side -> measure(bench, side));
        Result p = r.get("portcullis");
        Result b = r.get("baseline");
        long deliveries = (long) o.members * o.messages;
        Report report = new Report("fanout", "one room, " + o.members + " members + 1 sender, " + o.messages
                + " messages at full speed (window " + o.fanoutWindow + "); baseline: library broadcast of the same bytes")
                .param("members", o.members).param("messages", o.messages).param("warmup", o.fanoutWarmup)
                .param("window", o.fanoutWindow).param("payload_padding_bytes", o.payloadBytes);
        report.row("deliveries_per_s", "deliveries per second", Report.Unit.PER_SECOND, p.deliveriesPerSecond(), b.deliveriesPerSecond())
                .row("messages_per_s", "messages per second", Report.Unit.PER_SECOND, p.messagesPerSecond(), b.messagesPerSecond())
                .row("latency_p50_us", "delivery latency p50", Report.Unit.MICROS, micros(p.latency().percentile(50)), micros(b.latency().percentile(50)))
                .row("latency_p99_us", "delivery latency p99", Report.Unit.MICROS, micros(p.latency().percentile(99)), micros(b.latency().percentile(99)))
                .row("latency_max_us", "delivery latency max", Report.Unit.MICROS, micros(p.latency().max()), micros(b.latency().max()))
                .row("cpu_ns_per_delivery", "server CPU per delivery (ns)", Report.Unit.COUNT,
                        (double) p.usage().cpuNanos / deliveries, (double) b.usage().cpuNanos / deliveries)
                .row("server_cores", "server CPU (cores busy)", Report.Unit.FACTOR, p.usage().cores(), b.usage().cores())
                .row("rss_bytes", "server RSS at the end", Report.Unit.BYTES, p.usage().rssBytes, b.usage().rssBytes)
                .row("lost", "messages lost (all members)", Report.Unit.COUNT, p.lost(), b.lost())
                .row("reordered", "messages out of order", Report.Unit.COUNT, p.reordered(), b.reordered())
                .row("late_pings", "members pinged after 250 ms without progress", Report.Unit.COUNT, p.pings(), b.pings());
        contention(report, p.usage(), b.usage());
        double ratio = p.deliveriesPerSecond() / b.deliveriesPerSecond();
        report.target("deliveries/s ratio >= 0.8", ratio, ratio >= 0.8);
        report.target("Portcullis lost or reordered no message", p.lost() + p.reordered(), p.lost() + p.reordered() == 0);
        for (var e : r.entrySet()) {
            if (e.getValue().closed() > 0) {
                report.error(e.getKey() + ": " + e.getValue().closed() + " members were closed: " + e.getValue().closeReason());
            }
            e.getValue().notes().forEach(report::note);
        }
        return report;
    }

    private static Result measure(Bench bench, Side side) {
        Options o = bench.options();
        try (Loop loop = new Loop("load")) {
            Room room = new Room(side, o.members, o.fanoutWindow, "x".repeat(o.payloadBytes));
            Opener members = new Opener(loop, side, "/", o.members, o.openWindow, true, ROOM, room::member).start()
                    .await(openTimeout(o.members));
            if (members.failed() > 0) {
                throw new BenchException(side.name() + ": " + members.failed() + " members could not join: " + members.firstFailure());
            }
            Opener sender = new Opener(loop, side, side.senderPath(), 1, 1, true, ROOM, i -> room.new Sender()).start()
                    .await(openTimeout(1));
            if (sender.ready() != 1) {
                throw new BenchException(side.name() + ": the sender could not join: " + sender.firstFailure());
            }
            loop.call(() -> {
                room.members = members.clients();
                return room.sender = sender.clients().get(0);
            });
            if (o.fanoutWarmup > 0) {
                room.send(loop, o.fanoutWarmup, false).await(loop, side);
            }
            List<String> notes = new ArrayList<>();
            Usage usage = Usage.start(bench, side, "fanout");
            Phase phase = room.send(loop, o.messages, true).await(loop, side);
            usage.stop(notes);
            long[] lostAndReordered = loop.call(room::verify);
            long deliveries = (long) o.members * o.messages;
            return new Result(perSecond(deliveries, phase.nanos), perSecond(o.messages, phase.nanos), room.latency, usage,
                    lostAndReordered[0], lostAndReordered[1], room.closed, room.closeReason, room.pings, notes);
        }
    }

    /** A batch of messages; done when every member has every one of them. */
    private static final class Phase {
        final CountDownLatch done = new CountDownLatch(1);
        final Room room;
        long start;
        long nanos;

        Phase(Room room) {
            this.room = room;
        }

        Phase await(Loop loop, Side side) {
            long lastProgress = System.nanoTime();
            long seen = -1;
            try {
                while (!done.await(100, TimeUnit.MILLISECONDS)) {
                    loop.check();
                    long now = room.progress;
                    if (now != seen) {
                        seen = now;
                        lastProgress = System.nanoTime();
                    } else if (System.nanoTime() - lastProgress > STALL_NANOS) {
                        throw new BenchException(side.name() + ": fan-out stalled at message " + now + " for "
                                + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS) + " s; members closed: " + room.closed
                                + " (" + room.closeReason + ")");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchException("interrupted");
            }
            loop.check();
            return this;
        }
    }

    /** The room as the load generator sees it. Loop thread only, apart from the volatile progress. */
    private static final class Room {
        private final Side side;
        private final int size;
        private final int window;
        private final String pad;
        /** Per member: the seq it expects next. Seq counts from 1 in both servers' rooms. */
        private final long[] expected;
        /** Receipts of message seq in slot seq % ring; a message is complete when all members have it. */
        private final int[] receipts;
        private final Histogram latency = new Histogram();
        WsClient sender;
        List<WsClient> members;
        long pings;
        private long sent;
        private long completed;
        private long target;
        private boolean measuring;
        private Phase phase;
        private long reordered;
        private long gaps;
        long closed;
        String closeReason;
        volatile long progress;

        Room(Side side, int members, int window, String pad) {
            this.side = side;
            this.size = members;
            this.window = window;
            this.pad = pad;
            this.expected = new long[members];
            java.util.Arrays.fill(expected, 1);
            this.receipts = new int[window * 2 + 1];
        }

        Phase send(Loop loop, int count, boolean measure) {
            Phase p = new Phase(this);
            loop.execute(() -> {
                phase = p;
                measuring = measure;
                target = sent + count;
                p.start = System.nanoTime();
                pump();
                watch(loop, p, completed);
            });
            return p;
        }

        /**
         * Every {@link #LATE_NANOS} without a completed message, Pings each member still missing the oldest
         * one: a message stuck in the server's queue for it is flushed by the Pong (WsClient#ping).
         */
        private void watch(Loop loop, Phase p, long before) {
            if (p.done.getCount() == 0) {
                return;
            }
            if (completed == before && sent > completed) {
                for (int i = 0; i < size; i++) {
                    WsClient m = members.get(i);
                    if (expected[i] <= completed + 1 && m.isOpen()) {
                        m.ping();
                        pings++;
                    }
                }
            }
            long now = completed;
            loop.schedule(LATE_NANOS, () -> watch(loop, p, now));
        }

        private void pump() {
            while (sent < target && sent - completed < window) {
                sent++;
                sender.sendText(side.fanoutMessage(ROOM, sent, System.nanoTime(), pad));
            }
        }

        WsHandler member(int index) {
            return new WsHandler() {
                @Override
                public void onText(WsClient c, byte[] a, int off, int len, long nanos) {
                    if (!Side.isMessage(a, off, len)) {
                        return; // the baseline's broadcast of the sender's greeting
                    }
                    long seq = Texts.numberAfter(a, off, len, SEQ);
                    if (seq > expected[index]) {
                        gaps += seq - expected[index];
                    } else if (seq < expected[index]) {
                        reordered++;
                    }
                    expected[index] = Math.max(expected[index], seq + 1);
                    if (measuring) {
                        latency.record(nanos - Texts.numberAfter(a, off, len, T));
                    }
                    int slot = (int) (seq % receipts.length);
                    if (++receipts[slot] == size) {
                        receipts[slot] = 0;
                        completed++;
                        progress = completed;
                        if (completed == target) {
                            phase.nanos = nanos - phase.start;
                            phase.done.countDown();
                        } else {
                            pump();
                        }
                    }
                }

                @Override
                public void onClose(WsClient c, int code, String reason, long nanos) {
                    closed++;
                    closeReason = code + " " + reason;
                }
            };
        }

        /** Lost: seqs some member never saw; reordered: receipts of a seq at or below one already seen. */
        long[] verify() {
            long lost = gaps;
            for (long e : expected) {
                lost += sent - (e - 1);
            }
            return new long[] {lost, reordered};
        }

        /** The sender only reads its own copies (or the broadcast's), so they never pile up. */
        final class Sender implements WsHandler {
            @Override
            public void onClose(WsClient c, int code, String reason, long nanos) {
                closed++;
                closeReason = "sender: " + code + " " + reason;
            }
        }
    }
}
