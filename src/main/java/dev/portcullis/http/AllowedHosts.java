package dev.portcullis.http;

import dev.portcullis.net.OriginPolicy;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Host} names the HTTP API answers to (protocol.md §7). A page on a DNS name its attacker
 * controls can make that name resolve to a loopback or private address (DNS rebinding) and then read this
 * API as its own origin; the browser still sends the attacker's name in {@code Host}, so checking it stops
 * the attack. An IP literal is never a rebinding name, so where the bind address says nothing about the
 * names clients use (a wildcard bind), IP literals and {@code localhost} are allowed and every DNS name must
 * be listed. The port is not compared: a proxy may publish the API on another one.
 */
final class AllowedHosts {
    /** A Host header: a DNS name or an IP literal (IPv6 in brackets), and an optional port. */
    private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Set<String> LOOPBACK_BINDS = Set.of("127.0.0.1", "::1", "0:0:0:0:0:0:0:1", "localhost");
    private static final List<String> LOOPBACK_NAMES = List.of("127.0.0.1", "localhost", "[::1]");

    /** How a request's Host headers compare with the allowed names. */
    enum Verdict { ALLOWED, UNKNOWN, MALFORMED }

    private final Set<String> names;
    private final boolean ipLiterals;
    private final boolean any;

    private AllowedHosts(Set<String> names, boolean ipLiterals, boolean any) {
        this.names = Set.copyOf(names);
        this.ipLiterals = ipLiterals;
        this.any = any;
    }

    /**
     * The names of a listener on {@code bind} plus {@code listed} ({@code *}: any Host, none at all included).
     * A loopback bind answers to {@code 127.0.0.1}, {@code localhost} and {@code [::1]}; a wildcard one to
     * every IP literal and {@code localhost}; any other to its own address or name.
     */
    static AllowedHosts of(String bind, List<String> listed) {
        Set<String> names = new HashSet<>();
        String host = bind.strip().toLowerCase(Locale.ROOT);
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean wildcard = OriginPolicy.isWildcard(bind);
        if (wildcard) {
            names.add("localhost");
        } else if (LOOPBACK_BINDS.contains(bare)) {
            names.addAll(LOOPBACK_NAMES);
        } else {
            names.add(bare.contains(":") ? "[" + bare + "]" : bare);
        }
        for (String name : listed) {
            names.add(name.toLowerCase(Locale.ROOT));
        }
        return new AllowedHosts(names, wildcard, listed.contains("*"));
    }

    /** Whether the request's {@code Host} headers (null when there is none) name this server. */
    Verdict check(List<String> hostHeaders) {
        if (any) {
            return Verdict.ALLOWED;
        }
        if (hostHeaders == null || hostHeaders.size() != 1) {
            return Verdict.MALFORMED;
        }
        Matcher m = HOST.matcher(hostHeaders.get(0).strip());
        if (!m.matches()) {
            return Verdict.MALFORMED;
        }
        String name = m.group(1).toLowerCase(Locale.ROOT);
        boolean literal = name.startsWith("[") || IPV4.matcher(name).matches();
        return names.contains(name) || (ipLiterals && literal) ? Verdict.ALLOWED : Verdict.UNKNOWN;
    }

    /** Whether a wildcard listener answers only IP literals and {@code localhost}: nothing was listed. */
    boolean unnamedWildcard() {
        return ipLiterals && !any && names.size() == 1;
    }

    /** Whether every Host is answered. */
    boolean any() {
        return any;
    }
}
