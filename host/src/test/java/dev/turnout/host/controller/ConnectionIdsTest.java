package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class ConnectionIdsTest {

    @Test
    void aFlowIsNamedByAVersionFourUuidThatLeadsBackToIt() {
        for (long flow : new long[] {0, 1, 2, 987_654, Long.MAX_VALUE >>> 2}) {
            String id = ConnectionIds.of(flow);
            UUID u = UUID.fromString(id);
            assertEquals(4, u.version(), id);
            assertEquals(2, u.variant(), id);
            assertEquals(flow, ConnectionIds.flowOf(id));
        }
        assertNotEquals(ConnectionIds.of(1), ConnectionIds.of(2));
    }

    /** Another run's rows (a dashboard kept them across a restart) and the numbers ids once were name no flow. */
    @Test
    void anIdThisRunNeverGaveNamesNoFlow() {
        UUID mine = UUID.fromString(ConnectionIds.of(1));
        String otherRun = new UUID(mine.getMostSignificantBits() ^ 0x10_0000L, mine.getLeastSignificantBits()).toString();
        for (String id : new String[] {otherRun, UUID.randomUUID().toString(), "1", "987654", "nope", ""}) {
            assertEquals(-1, ConnectionIds.flowOf(id), id);
        }
    }
}
