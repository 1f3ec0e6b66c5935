package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What a start says about the fake-IP cache it restored: the counts a user reads after a crash (records replayed,
 * records skipped, a torn last record, names dropped) are the counts of what happened, and nothing is claimed that
 * did not happen.
 */
class FakeIpStoreWarningsTest {

    private static final String HEADER = "turnout-fake-ip-journal 1 198.18.0.1/16\n";

    @TempDir
    Path dir;

    private final Logger logger = (Logger) LoggerFactory.getLogger(FakeIpStore.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void listen() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        logger.detachAppender(logged);
    }

    private static FakeIpPool pool() throws Exception {
        return new FakeIpPool(Cidr.parse("198.18.0.1/16"), List.of(Cidr.parse("198.18.0.2/32")), Integer.MAX_VALUE);
    }

    private List<String> lines() {
        return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private String only(String containing) {
        List<String> found = lines().stream().filter(l -> l.contains(containing)).toList();
        assertEquals(1, found.size(), () -> "one line with '" + containing + "' in " + lines());
        return found.get(0);
    }

    private int load(String journal) throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        Files.writeString(dir.resolve("fake-ip.cache.journal.0"), journal);
        return new FakeIpStore(file, List.of(pool())).load();
    }

    @Test
    void aJournalAfterAKillIsCountedRecordByRecord() throws Exception {
        int mapped = load(HEADER + "198.18.0.4 a.test\n198.18.0.5 b.test\nnot a record\n198.18.0.6 c.test\n"
                + "198.18.0.7 torn.te");
        assertEquals(3, mapped);
        assertTrue(only("restored").endsWith("restored 3 mappings (3 journal records replayed)"), only("restored"));
        assertTrue(only("skipped").endsWith("skipped 1 unreadable records"), only("skipped"));
        only("torn last record");
    }

    @Test
    void aJournalThatEndsWithItsLastRecordWholeIsNotCalledTorn() throws Exception {
        assertEquals(1, load(HEADER + "198.18.0.4 a.test\n"));
        assertTrue(lines().stream().noneMatch(l -> l.contains("torn") || l.contains("skipped")), lines().toString());
        assertTrue(only("restored").endsWith("restored 1 mappings (1 journal records replayed)"), only("restored"));
    }

    @Test
    void aJournalWithOnlyATornRecordRestoresNothingAndSaysSo() throws Exception {
        Path file = dir.resolve("fake-ip.cache");
        Files.writeString(dir.resolve("fake-ip.cache.journal.0"), "turnout-fake-ip-journal 1 198.18.0.1/16");
        FakeIpPool p = pool();
        assertEquals(0, new FakeIpStore(file, List.of(p)).load());
        only("torn last record");
        assertTrue(lines().stream().noneMatch(l -> l.contains("restored")), "nothing was restored: " + lines());
    }

    @Test
    void recordsOfAnotherRangeAreNeitherRestoredNorCounted() throws Exception {
        // Written when the range was 198.18.0.1/24: the pool's range is now /16, so the records do not belong to it.
        Path file = dir.resolve("fake-ip.cache");
        Files.writeString(dir.resolve("fake-ip.cache.journal.0"),
                "turnout-fake-ip-journal 1 198.18.0.1/24\n198.18.0.4 a.test\n");
        FakeIpPool p = pool();
        assertEquals(0, new FakeIpStore(file, List.of(p)).load());
        assertNull(p.nameOf(InetAddress.getByName("198.18.0.4")));
        assertTrue(lines().stream().noneMatch(l -> l.contains("restored") || l.contains("skipped")), lines().toString());
    }

    @Test
    void namesThatCannotBeFakedAreDroppedAndCounted() throws Exception {
        assertEquals(1, load(HEADER + "198.18.0.4 a.test\n198.18.0.5 bad..name\n198.18.0.6 .dot.test\n"));
        assertTrue(only("invalid names").contains("dropped 2 entries"), only("invalid names"));
    }

    @Test
    void anAddressNoLongerHandedOutGetsItsNameANewOneAndSaysHowMany() throws Exception {
        // 198.18.0.2 is excluded (the TUN's address): its name is given a fresh address.
        assertEquals(2, load(HEADER + "198.18.0.2 moved.test\n198.18.0.4 a.test\n"));
        assertTrue(only("repaired").contains("repaired 1 mappings"), only("repaired"));
    }
}
