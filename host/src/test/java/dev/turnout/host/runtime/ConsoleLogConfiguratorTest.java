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
        Output output = logged(context -> {
            context.getLogger("dev.turnout.host.Thing").info("started on {}", 7890);
            context.getLogger("dev.turnout.host.Thing").debug("not at info");
            context.getLogger("org.pf4j.PluginManager").error("pf4j's own trace");
            context.getLogger("io.netty.Channel").info("netty chatter");
            context.getLogger("io.netty.Channel").warn("netty warning");
        });
        String[] lines = output.err().split("\n");
        assertEquals(2, lines.length, String.join("\n", lines));
        assertTrue(lines[0].matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Thing started on 7890"),
                lines[0]);
        assertTrue(lines[1].endsWith(" WARN  Channel netty warning"), lines[1]);
        assertFalse(output.out().contains("started"), "stdout belongs to commands");
    }

    @Test
    void aThrowableFollowsItsLineWithItsStackAndCause() {
        Output output = logged(context -> context.getLogger("dev.turnout.host.Thing").error("dial failed",
                new IllegalStateException("outer", new java.io.IOException("inner"))));
        String[] lines = output.err().split("\n");
        assertTrue(lines[0].endsWith(" ERROR Thing dial failed"), lines[0]);
        assertEquals("java.lang.IllegalStateException: outer", lines[1]);
        assertTrue(lines[2].startsWith("\tat dev.turnout.host.runtime.ConsoleLogConfiguratorTest"), lines[2]);
        assertTrue(output.err().contains("\nCaused by: java.io.IOException: inner\n"), output.err());
    }

    private record Output(String err, String out) {
    }

    /** What {@code logging} writes to stderr and stdout through a context the configurator set up. */
    private static Output logged(java.util.function.Consumer<LoggerContext> logging) {
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
            logging.accept(context);
        } finally {
            System.setErr(err);
            System.setOut(out);
            context.stop();
        }
        return new Output(errBytes.toString(StandardCharsets.UTF_8), outBytes.toString(StandardCharsets.UTF_8));
    }
}
