package dev.turnout.host.route;

import dev.turnout.host.config.Config;
import dev.turnout.rules.RuleLine;
import dev.turnout.rules.RuleSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Says when a rule about who sent a flow can never match here, rather than leaving the user to wonder. */
final class SenderNotes {

    private SenderNotes() {
    }

    static List<String> of(Config config, RuleSet rules) {
        List<String> notes = new ArrayList<>();
        for (RuleLine line : config.rules()) {
            if (line.text().trim().toUpperCase(Locale.ROOT).startsWith("IN-USER,")
                    && config.authentication().users().isEmpty()) {
                notes.add(line.origin() + ": IN-USER never matches: no 'authentication' users are configured");
                break;
            }
        }
        if (rules.mayNeedProcess() && "off".equals(config.findProcessMode())) {
            notes.add(config.originOf("find-process-mode") + ": find-process-mode is off, so PROCESS-NAME,"
                    + " PROCESS-PATH and UID rules never match");
        }
        return notes;
    }
}
