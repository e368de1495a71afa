package dev.portcullis.config;

import java.time.Duration;

/** Checks the configuration records share; each failure names the option it belongs to. */
final class Checks {

    private Checks() {
    }

    static void requirePositive(String name, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("--" + name + " must be positive");
        }
    }
}
