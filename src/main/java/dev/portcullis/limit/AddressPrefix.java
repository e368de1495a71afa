package dev.portcullis.limit;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the per-address limits count a client address as: the network of its leading {@code ipv4Bits} or
 * {@code ipv6Bits} bits, so whoever holds an IPv6 /64 is one client however many of its addresses it
 * uses. IPv4-mapped IPv6 addresses count as IPv4. Anything that is not an IP literal (an
 * {@code X-Forwarded-For} entry written with a port, say) counts as written; nothing is ever resolved.
 */
public record AddressPrefix(int ipv4Bits, int ipv6Bits) {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    /** Starting with a hex digit or ':' and holding a ':' keeps the JDK on its literal path: no lookup. */
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:][0-9a-fA-F:.]*");

    public AddressPrefix {
        if (ipv4Bits < 1 || ipv4Bits > 32 || ipv6Bits < 1 || ipv6Bits > 128) {
            throw new IllegalArgumentException("prefix lengths are 1 to 32 bits (IPv4) and 1 to 128 bits (IPv6)");
        }
    }

    /** The key of {@code address}'s network, such as {@code 2001:db8:1:2:0:0:0:0/64} or {@code 203.0.113.0/24}. */
    public String keyOf(String address) {
        // Every connection asks several times, nearly always for an IPv4 peer: no regex and no InetAddress there.
        long v4 = ipv4(address);
        if (v4 >= 0) {
            long network = ipv4Bits == 32 ? v4 : v4 & (0xFFFFFFFFL << (32 - ipv4Bits)) & 0xFFFFFFFFL;
            return (network >>> 24) + "." + (network >>> 16 & 0xFF) + "." + (network >>> 8 & 0xFF) + "."
                    + (network & 0xFF) + "/" + ipv4Bits;
        }
        byte[] bytes = literal(address);
        if (bytes == null) {
            return address;
        }
        int bits = bytes.length == 4 ? ipv4Bits : ipv6Bits;
        for (int i = 0; i < bytes.length; i++) {
            int kept = Math.max(0, Math.min(8, bits - 8 * i));
            bytes[i] &= (byte) (0xFF00 >>> kept);
        }
        try {
            // Inet6Address keeps 16 bytes as IPv6 even when the masked network looks IPv4-mapped.
            InetAddress network = bytes.length == 4 ? InetAddress.getByAddress(bytes)
                    : Inet6Address.getByAddress(null, bytes, -1);
            return network.getHostAddress() + "/" + bits;
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }

    /** A dotted-quad IPv4 literal (one to three digits an octet, each at most 255) as a number, or -1. */
    private static long ipv4(String address) {
        long value = 0;
        int octets = 0;
        int digits = 0;
        int octet = 0;
        for (int i = 0, n = address.length(); i <= n; i++) {
            char c = i < n ? address.charAt(i) : '.';
            if (c >= '0' && c <= '9' && digits < 3) {
                octet = octet * 10 + (c - '0');
                digits++;
            } else if (c == '.' && digits > 0 && octet <= 255 && octets < 4) {
                value = value << 8 | octet;
                octets++;
                digits = 0;
                octet = 0;
            } else {
                return -1;
            }
        }
        return octets == 4 ? value : -1;
    }

    /** The address's bytes (4 for IPv4, IPv4-mapped included; else 16), or null if it is not an IP literal. */
    private static byte[] literal(String address) {
        Matcher v4 = IPV4.matcher(address);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(v4.group(i + 1));
                if (octet > 255) {
                    return null;
                }
                bytes[i] = (byte) octet;
            }
            return bytes;
        }
        int zone = address.indexOf('%');
        String bare = zone < 0 ? address : address.substring(0, zone);
        if (!bare.contains(":") || !IPV6.matcher(bare).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(bare).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
