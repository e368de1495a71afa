package dev.portcullis.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * One selector thread that drives any number of {@link WsClient}s: the load generator's event loop. Every
 * client, handler and timer of a loop runs on its thread, so scenario state touched only from handlers
 * needs no locks; other threads hand work in with {@link #execute} or {@link #call}.
 */
final class Loop implements AutoCloseable {
    /** How long {@link #close} waits for the thread to finish its last turn. */
    private static final long JOIN_MILLIS = 10_000;

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    /** Loop thread only. */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private volatile boolean running = true;
    /** The first exception a handler threw; the run is broken once this is set. */
    private volatile Throwable failure;
    /** Loop thread only: a tie-breaker that keeps timers with equal deadlines in FIFO order. */
    private long timerSeq;

    private record Timer(long dueNanos, long seq, Runnable action) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(dueNanos - o.dueNanos, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    Loop(String name) {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code task} on the loop thread, soon. Any thread. */
    void execute(Runnable task) {
        tasks.add(task);
        if (Thread.currentThread() != thread && wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Runs {@code task} on the loop thread and waits for its result. Not from the loop thread. */
    <T> T call(Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(task.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while waiting for " + thread.getName());
        } catch (ExecutionException e) {
            throw new BenchException(thread.getName() + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new BenchException(thread.getName() + " did not answer within 30 s");
        }
    }

    /** Runs {@code action} on the loop thread after {@code delayNanos}. Loop thread only. */
    void schedule(long delayNanos, Runnable action) {
        assertInLoop();
        timers.add(new Timer(System.nanoTime() + delayNanos, timerSeq++, action));
    }

    /** Opens a WebSocket to {@code address}{@code path}; {@code handler} hears about it. Loop thread only. */
    WsClient connect(InetSocketAddress address, String path, WsHandler handler) {
        assertInLoop();
        WsClient client = new WsClient(this, address, path, handler);
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            boolean connected = channel.connect(address);
            SelectionKey key = channel.register(selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, client);
            client.attach(channel, key);
            if (connected) {
                client.connected(System.nanoTime());
            }
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // it never connected
                }
            }
            client.failed("connect: " + e.getMessage(), System.nanoTime());
        }
        return client;
    }

    /** The first exception a handler threw, or null. */
    Throwable failure() {
        return failure;
    }

    /** Throws if a handler has failed: the figures of such a run mean nothing. */
    void check() {
        Throwable f = failure;
        if (f != null) {
            throw new BenchException(thread.getName() + ": a client handler failed: " + f, f);
        }
    }

    void assertInLoop() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("not on " + thread.getName());
        }
    }

    private void run() {
        while (running) {
            try {
                turn();
            } catch (IOException | RuntimeException | Error e) {
                if (failure == null) {
                    failure = e;
                }
                if (e instanceof Error && !(e instanceof AssertionError)) {
                    running = false;
                }
            }
        }
        for (SelectionKey key : new ArrayList<>(selector.keys())) {
            if (key.attachment() instanceof WsClient client) {
                client.abort();
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }

    private void turn() throws IOException {
        long timeoutMillis = 100;
        if (!tasks.isEmpty()) {
            timeoutMillis = -1;
        } else if (!timers.isEmpty()) {
            long wait = timers.peek().dueNanos() - System.nanoTime();
            timeoutMillis = wait <= 0 ? -1 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait + 999_999));
        }
        int n = timeoutMillis < 0 ? selector.selectNow() : selector.select(timeoutMillis);
        wakeupPending.set(false);
        if (n > 0) {
            long now = System.nanoTime();
            var selected = selector.selectedKeys();
            for (SelectionKey key : selected) {
                WsClient client = (WsClient) key.attachment();
                try {
                    client.ready(key, now);
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    }
                    client.abort();
                }
            }
            selected.clear();
        }
        for (Runnable task; (task = tasks.poll()) != null; ) {
            task.run();
        }
        long now = System.nanoTime();
        List<Timer> due = new ArrayList<>();
        while (!timers.isEmpty() && timers.peek().dueNanos() - now <= 0) {
            due.add(timers.poll());
        }
        for (Timer t : due) {
            t.action().run();
        }
    }

    /** Stops the thread; every connection still open is dropped without a closing handshake. */
    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
