package dev.portcullis.metrics;

import dev.portcullis.session.ConnectionState;
import java.lang.management.ManagementFactory;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * The server's counters, gauges and one histogram, written out in the Prometheus text format at
 * {@code GET /metrics} (README, "Metrics"). Recording is a few atomic adds, safe from any thread and
 * cheap enough for the hot path.
 */
public final class Metrics {
    /** Upper bounds, in seconds, of the accept-to-auth_ok histogram's buckets. */
    private static final double[] AUTH_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

    private final Map<ConnectionState, AtomicLong> byState = new EnumMap<>(ConnectionState.class);
    private final ConcurrentHashMap<String, LongAdder> authOutcomes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, LongAdder> closeCodes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> logins = new ConcurrentHashMap<>();
    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder messagesOut = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder blocks = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder shed = new LongAdder();
    /** Set by the memory budget's pass (its thread); 0 until the first. */
    private volatile long peerHeldBytes;
    private volatile long memoryBudgetBytes;
    private final HeapAfterGc heapAfterGc;
    private final ConcurrentHashMap<String, LongAdder> httpRefused = new ConcurrentHashMap<>();
    private final LongAdder[] authBuckets = new LongAdder[AUTH_BUCKETS.length];
    private final LongAdder authCount = new LongAdder();
    /** Sum of the observed seconds, in nanoseconds to stay an integer. */
    private final LongAdder authNanos = new LongAdder();

    /** Metrics that read the live heap from {@code heapAfterGc}, which its owner closes. */
    public Metrics(HeapAfterGc heapAfterGc) {
        this.heapAfterGc = heapAfterGc;
        for (ConnectionState s : ConnectionState.values()) {
            byState.put(s, new AtomicLong());
        }
        for (int i = 0; i < authBuckets.length; i++) {
            authBuckets[i] = new LongAdder();
        }
    }

    /** A connection entered {@code to} from {@code from} (null when it was just opened). */
    public void transition(ConnectionState from, ConnectionState to) {
        if (from != null) {
            byState.get(from).decrementAndGet();
        }
        if (to != ConnectionState.CLOSED) {
            byState.get(to).incrementAndGet();
        }
    }

    /** The outcome of an auth attempt: {@code ok} or the close reason, e.g. {@code Invalid token}. */
    public void auth(String outcome) {
        // Keyed by the raw text, labelled only when scraped: this runs once per connection.
        authOutcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    public void authLatency(long nanos) {
        authCount.increment();
        authNanos.add(nanos);
        double seconds = nanos / 1e9;
        for (int i = 0; i < AUTH_BUCKETS.length; i++) {
            if (seconds <= AUTH_BUCKETS[i]) {
                authBuckets[i].increment();
            }
        }
    }

    public void closed(int code) {
        closeCodes.computeIfAbsent(code, k -> new LongAdder()).increment();
    }

    public void login(String outcome) {
        logins.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    public void messageIn() {
        messagesIn.increment();
    }

    public void messageOut() {
        messagesOut.increment();
    }

    public void rateLimited() {
        rateLimited.increment();
    }

    public void blocked() {
        blocks.increment();
    }

    /** A connection refused at the door (HTTP 403, 429 or 503 before the upgrade). */
    public void refused() {
        refused.increment();
    }

    /** What peers made the server hold at the last count, and the budget for it. */
    public void peerMemory(long held, long budget) {
        peerHeldBytes = held;
        memoryBudgetBytes = budget;
    }

    /** A connection closed with 1013 because the memory budget was spent. */
    public void shed() {
        shed.increment();
    }

    /**
     * An HTTP request cut off or refused before a route saw it: {@code timeout}, {@code cut_off},
     * {@code no_thread}, {@code unknown_host}, {@code too_many_requests} (protocol.md §7).
     */
    public void httpRefused(String reason) {
        httpRefused.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    private static String label(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    }

    /** The Prometheus text exposition (format 0.0.4). */
    public String render() {
        StringBuilder b = new StringBuilder();
        header(b, "portcullis_connections", "gauge", "Open WebSocket connections by state.");
        byState.forEach((state, n) -> {
            if (state != ConnectionState.CLOSED) {
                b.append("portcullis_connections{state=\"").append(state.name().toLowerCase(Locale.ROOT)).append("\"} ")
                        .append(n.get()).append('\n');
            }
        });
        labelled(b, "portcullis_auth_total", "Auth attempts by outcome: ok or the close reason.", "outcome", authOutcomes);
        labelled(b, "portcullis_closes_total", "Closed connections by close code.", "code", closeCodes);
        labelled(b, "portcullis_logins_total", "POST /auth/login by outcome.", "outcome", logins);
        labelled(b, "portcullis_http_refused_total", "HTTP requests cut off or refused before routing, by reason.",
                "reason", httpRefused);
        counter(b, "portcullis_messages_in_total", "Messages received from authenticated connections.", messagesIn);
        counter(b, "portcullis_messages_out_total", "Messages queued to connections (one per recipient).", messagesOut);
        counter(b, "portcullis_rate_limited_total", "Messages refused by the per-user rate limit.", rateLimited);
        counter(b, "portcullis_blocks_total", "Users blocked, automatically or by an admin.", blocks);
        counter(b, "portcullis_refused_connections_total", "Handshakes refused before the upgrade.", refused);
        counter(b, "portcullis_shed_connections_total", "Connections closed because the memory budget was spent.", shed);
        gauge(b, "portcullis_peer_held_bytes", "Memory peers make the server hold: queued frames and reassembly.",
                peerHeldBytes);
        gauge(b, "portcullis_memory_budget_bytes", "The budget for portcullis_peer_held_bytes (--memory-budget).",
                memoryBudgetBytes);
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        gauge(b, "portcullis_heap_used_bytes", "Java heap in use, garbage not yet collected included.", heap.getUsed());
        gauge(b, "portcullis_heap_after_gc_bytes", "Java heap in use right after the last garbage collection.",
                heapAfterGc.bytes());
        gauge(b, "portcullis_heap_max_bytes", "The largest the Java heap may grow (-Xmx).", heap.getMax());
        header(b, "portcullis_auth_latency_seconds", "histogram", "Time from TCP accept to auth_ok.");
        for (int i = 0; i < AUTH_BUCKETS.length; i++) {
            b.append("portcullis_auth_latency_seconds_bucket{le=\"").append(AUTH_BUCKETS[i]).append("\"} ")
                    .append(authBuckets[i].sum()).append('\n');
        }
        b.append("portcullis_auth_latency_seconds_bucket{le=\"+Inf\"} ").append(authCount.sum()).append('\n');
        b.append("portcullis_auth_latency_seconds_sum ").append(authNanos.sum() / 1e9).append('\n');
        b.append("portcullis_auth_latency_seconds_count ").append(authCount.sum()).append('\n');
        return b.toString();
    }

    private static void header(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void gauge(StringBuilder b, String name, String help, long value) {
        header(b, name, "gauge", help);
        b.append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder b, String name, String help, LongAdder value) {
        header(b, name, "counter", help);
        b.append(name).append(' ').append(value.sum()).append('\n');
    }

    private static <K> void labelled(StringBuilder b, String name, String help, String label, Map<K, LongAdder> values) {
        header(b, name, "counter", help);
        new TreeMap<>(values.entrySet().stream().collect(Collectors.toMap(
                e -> label(String.valueOf(e.getKey())), e -> e.getValue().sum(), Long::sum))).forEach((k, v) ->
                b.append(name).append('{').append(label).append("=\"").append(k).append("\"} ").append(v).append('\n'));
    }
}
