package dev.turnout.host.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.rules.RuleSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rules about who sent a flow that can never match here are named, with where they are written. */
class SenderNotesTest {

    private static List<String> notes(String yaml) throws Exception {
        Config c = ConfigLoader.parse(yaml, "t.yaml", Path.of("t.yaml"), Path.of("/base"));
        return SenderNotes.of(c, RuleSet.compile(c.rules(), Map.of(), Set.of()));
    }

    @Test
    void inUserNeverMatchesWithoutAuthenticationAndProcessRulesNeverWithLookupOff() throws Exception {
        assertEquals(List.of("t.yaml:3:5: IN-USER never matches: no 'authentication' users are configured",
                "t.yaml:1:20: find-process-mode is off, so PROCESS-NAME, PROCESS-PATH and UID rules never match"),
                notes("find-process-mode: off\nrules:\n  - IN-USER,alice,DIRECT\n  - UID,1000,DIRECT\n"));
        assertEquals(List.of(), notes("rules:\n  - UID,1000,DIRECT\n  - IN-NAME,DEFAULT-MIXED,DIRECT\n"));
        assertEquals(List.of(), notes("authentication: ['alice:pw']\nrules:\n  - IN-USER,alice,DIRECT\n"));
    }
}
