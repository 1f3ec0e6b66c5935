package dev.turnout.host.controller;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * The controller's names for flows: UUIDs, as mihomo's are, unlike any of an earlier run. The flow table counts from 1
 * at every start, and dashboards keep their rows across a restart of the core (the page stays open, its stream
 * reconnects): an old row's "close" ended an unrelated new flow of the same number. A flow's number is hidden in
 * bits of this run's own random UUID, so nothing is kept per flow to answer {@code DELETE /connections/ID}.
 */
final class ConnectionIds {

    private static final long HIGH;
    private static final long LOW;

    static {
        SecureRandom random = new SecureRandom();
        HIGH = random.nextLong() & ~0xF000L | 0x4000L; // version 4
        LOW = random.nextLong() & ~(0xC000_0000_0000_0000L) | 0x8000_0000_0000_0000L; // variant 10
    }

    private ConnectionIds() {
    }

    static String of(long flow) {
        return new UUID(HIGH, LOW ^ flow).toString();
    }

    /** The flow number {@code id} names, or -1 for an id this run never gave (another run's, or no UUID at all). */
    static long flowOf(String id) {
        UUID u;
        try {
            u = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return -1;
        }
        long flow = u.getLeastSignificantBits() ^ LOW;
        return u.getMostSignificantBits() == HIGH && flow >= 0 && flow < (1L << 62) ? flow : -1;
    }
}
