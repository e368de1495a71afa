package dev.portcullis.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the per-address limits count an address as: protocol.md §12.4, "Address prefixes". */
class AddressPrefixTest {
    private final AddressPrefix defaults = new AddressPrefix(32, 64);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            // IPv6: one /64, however it is written
            "2001:db8:1:2:aaaa:bbbb:cccc:dddd, 2001:db8:1:2:0:0:0:0/64",
            "2001:db8:1:2::1,                  2001:db8:1:2:0:0:0:0/64",
            "2001:DB8:1:2:0:0:0:7,             2001:db8:1:2:0:0:0:0/64",
            "2001:db8:1:3::1,                  2001:db8:1:3:0:0:0:0/64",
            "0:0:0:0:0:0:0:1,                  0:0:0:0:0:0:0:0/64",
            "fe80::1%eth0,                     fe80:0:0:0:0:0:0:0/64",
            // IPv4: the whole address at /32
            "203.0.113.7,                      203.0.113.7/32",
            // IPv4-mapped IPv6 is IPv4, in either notation
            "::ffff:203.0.113.7,               203.0.113.7/32",
            "0:0:0:0:0:ffff:cb00:7107,         203.0.113.7/32",
            // not an IP literal: counted as written, never resolved
            "203.0.113.7:4711,                 203.0.113.7:4711",
            "localhost,                        localhost",
            "unknown,                          unknown",
            "300.1.2.3,                        300.1.2.3",
            "1:2:3:4:5:6:7:8:9,                1:2:3:4:5:6:7:8:9",
            ".:1,                              .:1",
    })
    @DisplayName("§12.4: at the defaults an IPv6 address counts as its /64, an IPv4 address (mapped ones too) as itself")
    void defaultKeys(String address, String key) {
        assertEquals(key, defaults.keyOf(address));
    }

    @Test
    @DisplayName("§12.4: other prefix lengths cut at any bit, for IPv4 and IPv6 alike")
    void otherLengths() {
        AddressPrefix p = new AddressPrefix(20, 48);
        assertEquals("10.0.16.0/20", p.keyOf("10.0.31.255"));
        assertEquals(p.keyOf("10.0.16.1"), p.keyOf("10.0.31.255"));
        assertNotEquals(p.keyOf("10.0.16.1"), p.keyOf("10.0.32.1"));
        assertEquals("10.0.16.0/20", p.keyOf("::ffff:10.0.20.1"), "a mapped address takes the IPv4 length");
        assertEquals("2001:db8:1:0:0:0:0:0/48", p.keyOf("2001:db8:1:ffff::1"));
        assertEquals("2001:db8:0:0:0:0:0:0/33", new AddressPrefix(24, 33).keyOf("2001:db8:7fff::1"));
        assertEquals("2001:db8:8000:0:0:0:0:0/33", new AddressPrefix(24, 33).keyOf("2001:db8:8000::1"));
        assertEquals("2001:db8:0:0:0:0:0:7/128", new AddressPrefix(32, 128).keyOf("2001:db8::7"));
    }

    @Test
    @DisplayName("§12.4: prefix lengths outside 1-32 and 1-128 are refused")
    void lengthsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new AddressPrefix(0, 64));
        assertThrows(IllegalArgumentException.class, () -> new AddressPrefix(33, 64));
        assertThrows(IllegalArgumentException.class, () -> new AddressPrefix(32, 0));
        assertThrows(IllegalArgumentException.class, () -> new AddressPrefix(32, 129));
    }

    @Test
    @DisplayName("§12.4: a ban, the pending count and the connect rate hold for the whole /64, not for one address")
    void guardCountsPrefixes() {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        IpGuard guard = new IpGuard(RateSpec.parse("bucket:2:1"), 2, RateSpec.parseCount("2:60"),
                Duration.ofMinutes(15), defaults, clock);
        assertEquals(IpGuard.Refusal.NONE, guard.admit("2001:db8:1:2::1"));
        assertEquals(IpGuard.Refusal.NONE, guard.admit("2001:db8:1:2::2"));
        assertEquals(IpGuard.Refusal.RATE_LIMITED, guard.admit("2001:db8:1:2::3"), "one bucket for the /64");
        assertEquals(IpGuard.Refusal.NONE, guard.admit("2001:db8:1:3::1"), "the next /64 has its own");

        guard.pendingStarted("2001:db8:1:2::a");
        guard.pendingStarted("2001:db8:1:2::b");
        guard.pendingStarted("2001:db8:1:2::c");
        assertEquals(3, guard.pendingCount("2001:db8:1:2::d"));
        guard.pendingEnded("2001:db8:1:2::a");
        assertEquals(2, guard.pendingCount("2001:db8:1:2::b"));

        assertFalse(guard.authFailed("2001:db8:1:2::1"));
        assertTrue(guard.authFailed("2001:db8:1:2::2"), "the second failure of the /64 bans it");
        assertTrue(guard.isBanned("2001:db8:1:2:ffff::9"));
        assertFalse(guard.isBanned("2001:db8:1:3::1"));
        clock.advance(Duration.ofMinutes(15));
        assertFalse(guard.isBanned("2001:db8:1:2::1"));
    }
}
