package dev.portcullis.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Redis URL forms, and errors that never repeat a password. */
class RedisUrlTest {
    @Test
    void readsEveryForm() {
        RedisUrl plain = RedisUrl.parse("redis://cache.internal:6380/2");
        assertEquals("cache.internal", plain.host());
        assertEquals(6380, plain.port());
        assertEquals(2, plain.database());
        assertFalse(plain.tls());
        assertNull(plain.user());
        assertNull(plain.password());
        assertEquals("redis://cache.internal:6380/2", plain.redacted());

        RedisUrl defaults = RedisUrl.parse("redis://localhost");
        assertEquals(6379, defaults.port());
        assertEquals(0, defaults.database());

        RedisUrl password = RedisUrl.parse("redis://:p%40ss@10.0.0.5:6379/0");
        assertNull(password.user());
        assertEquals("p@ss", password.password());
        assertEquals("redis://:***@10.0.0.5:6379/0", password.redacted());

        RedisUrl acl = RedisUrl.parse("rediss://portcullis:hunter2@redis.example:6390/1");
        assertTrue(acl.tls());
        assertEquals("portcullis", acl.user());
        assertEquals("hunter2", acl.password());
        assertEquals("rediss://portcullis:***@redis.example:6390/1", acl.redacted());
        assertEquals(acl.redacted(), acl.toString());

        assertEquals("::1", RedisUrl.parse("redis://[::1]:7000").host());
        assertEquals("redis://[::1]:7000/0", RedisUrl.parse("redis://[::1]:7000").redacted());
    }

    @Test
    void refusesMalformedUrlsWithoutRepeatingThePassword() {
        for (String bad : new String[] {"http://:hunter2@host:6379/0", "redis://:hunter2@:6379/0",
                "redis://:hunter2@host:6379/zero", "redis://hunter2@host:6379/0", "redis://:hunter2@host:6379/0?ssl=true",
                "redis://:hunter2@ho st:6379/0", "redis://:hunter2@host:6379/-1", "hunter2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse(bad), bad);
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        }
    }
}
