package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogHubTest {

    @Test
    void fansOutAtOrAboveEachSubscribersLevel() {
        LogHub hub = new LogHub();
        assertTrue(hub.install(), "tests run with logback");
        List<String> infos = new CopyOnWriteArrayList<>();
        List<String> errors = new CopyOnWriteArrayList<>();
        try {
            hub.subscribe(LogHub.severity("info"), infos::add);
            hub.subscribe(LogHub.severity("error"), errors::add);
            LoggerFactory.getLogger("dev.turnout.test.Probe").info("hello {}", "🚀");
            LoggerFactory.getLogger("dev.turnout.test.Probe").error("broken");
        } finally {
            hub.uninstall();
        }
        assertEquals(List.of("{\"type\":\"info\",\"payload\":\"Probe hello 🚀\"}", "{\"type\":\"error\",\"payload\":\"Probe broken\"}"), infos);
        assertEquals(List.of("{\"type\":\"error\",\"payload\":\"Probe broken\"}"), errors);
    }

    @Test
    void knowsClashLevelNames() {
        assertEquals(0, LogHub.severity("debug"));
        assertEquals(2, LogHub.severity("warning"));
        assertEquals(-1, LogHub.severity("loud"));
    }
}
