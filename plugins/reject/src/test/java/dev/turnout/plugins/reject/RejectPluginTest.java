package dev.turnout.plugins.reject;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.ExtensionIndex;
import org.junit.jupiter.api.Test;

/** What PF4J needs to find this plugin's outbound type once the module is a jar in plugins/. */
class RejectPluginTest {

    @Test
    void indexesTheOutboundTypeForPf4j() throws Exception {
        ExtensionIndex.assertIndexed(RejectType.class);
        ExtensionIndex.assertIndexed(RejectDropType.class);
    }

    @Test
    void typeCanBeBuiltTheWayPf4jBuildsExtensions() throws Exception {
        ExtensionIndex.assertBuildableByPf4j(RejectType.class);
        ExtensionIndex.assertBuildableByPf4j(RejectDropType.class);
        assertTrue(new RejectPlugin() instanceof org.pf4j.Plugin);
    }
}
