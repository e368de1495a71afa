package dev.portcullis.limit;

import java.util.List;
import java.util.Set;

/**
 * The client address behind trusted proxies: {@code X-Forwarded-For} counts only when the peer itself is
 * a listed proxy, and then the rightmost address that is not a trusted proxy is the client. Anything a
 * client writes further left is its own claim and is ignored.
 */
public final class ForwardedFor {
    private final Set<String> trustedProxies;

    public ForwardedFor(List<String> trustedProxies) {
        this.trustedProxies = Set.copyOf(trustedProxies);
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
