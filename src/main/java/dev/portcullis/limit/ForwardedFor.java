package dev.portcullis.limit;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The client address behind trusted proxies: {@code X-Forwarded-For} counts only when the peer itself is
 * a listed proxy, and then the rightmost address that is not a trusted proxy is the client. Anything a
 * client writes further left is its own claim and is ignored.
 */
public final class ForwardedFor {
    private final Set<String> trustedProxies;

    /** {@code trustedProxies} are IP literals; they are normalised so that {@code ::1} matches how peers are written. */
    public ForwardedFor(List<String> trustedProxies) {
        this.trustedProxies = trustedProxies.stream().map(ForwardedFor::normalise).collect(Collectors.toUnmodifiableSet());
    }

    private static String normalise(String ip) {
        // A literal only: an IPv4 dotted quad, or IPv6 (which always has a colon). Anything else would be resolved.
        if (!ip.matches("\\d{1,3}(\\.\\d{1,3}){3}") && !(ip.contains(":") && ip.matches("[0-9a-fA-F:.]+"))) {
            throw new IllegalArgumentException("--trust-forwarded-for takes IP addresses, not '" + ip + "'");
        }
        try {
            return InetAddress.getByName(ip).getHostAddress(); // a literal: no lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--trust-forwarded-for: not an IP address: '" + ip + "'");
        }
    }

    public String clientAddress(String peer, String forwardedFor) {
        if (forwardedFor == null || !trustedProxies.contains(peer)) {
            return peer;
        }
        String[] hops = forwardedFor.split("[,;]");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].strip();
            if (!hop.isEmpty() && !trustedProxies.contains(hop)) {
                return hop;
            }
        }
        return peer;
    }

    public boolean trusts(String peer) {
        return trustedProxies.contains(peer);
    }
}
