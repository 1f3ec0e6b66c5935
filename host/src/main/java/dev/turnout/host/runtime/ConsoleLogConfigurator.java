package dev.turnout.host.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Turnout's logging set up in code, found by logback as a service: everything to stderr (stdout belongs to
 * commands such as {@code turnout match}), PF4J silent (Turnout reports plugin failures in one line each; PF4J's own
 * traces appear at log-level debug, see {@link Logging}), Netty from warnings up. A logback.xml would load logback's
 * XML configurator and a JAXP parser, about 450 classes and 4 MB of a start's resident memory, for these few lines.
 * The line is {@link LineLayout}'s, for the same reason; {@link ConsoleWriter} writes it from a thread of its own.
 * A {@code logback-test.xml} on the class path or {@code -Dlogback.configurationFile} still takes over.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class ConsoleLogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || ConsoleLogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LineLayout layout = new LineLayout();
        layout.setContext(context);
        layout.start();
        ConsoleWriter writer = new ConsoleWriter(layout, () -> System.err, ConsoleWriter.PATIENCE);
        writer.setContext(context);
        writer.setName(ConsoleWriter.NAME);
        writer.start();
        context.getLogger("org.pf4j").setLevel(Level.OFF);
        context.getLogger("io.netty").setLevel(Level.WARN);
        // The ssh plugin's library (Apache MINA SSHD) tells of each session's steps at INFO and of each failure at
        // WARN; the plugin says why a flow failed in the flow's own line, once.
        context.getLogger("org.apache.sshd").setLevel(Level.ERROR);
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(writer);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
