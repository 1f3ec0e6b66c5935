package dev.turnout.host.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The logging logback.xml used to set up, now done in code: same destination, format and levels. */
class ConsoleLogConfiguratorTest {

    @Test
    void logbackFindsItAsAService() {
        assertTrue(ServiceLoader.load(Configurator.class).stream()
                .anyMatch(p -> p.type() == ConsoleLogConfigurator.class));
    }

    @Test
    void linesGoToStderrInTheFormatWithPf4jSilentAndNettyFromWarnings() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter()); // as logback's own start-up does
        context.start();
        ConsoleLogConfigurator configurator = new ConsoleLogConfigurator();
        configurator.setContext(context);
        PrintStream err = System.err;
        PrintStream out = System.out;
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, configurator.configure(context));
            context.getLogger("dev.turnout.host.Thing").info("started on {}", 7890);
            context.getLogger("dev.turnout.host.Thing").debug("not at info");
            context.getLogger("org.pf4j.PluginManager").error("pf4j's own trace");
            context.getLogger("io.netty.Channel").info("netty chatter");
            context.getLogger("io.netty.Channel").warn("netty warning");
        } finally {
            System.setErr(err);
            System.setOut(out);
            context.stop();
        }
        String[] lines = errBytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, String.join("\n", lines));
        assertTrue(lines[0].matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Thing started on 7890"),
                lines[0]);
        assertTrue(lines[1].endsWith(" WARN  Channel netty warning"), lines[1]);
        assertFalse(outBytes.toString(StandardCharsets.UTF_8).contains("started"), "stdout belongs to commands");
    }
}
