package org.homerouter.pptp;

import java.util.List;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.simple.SimpleServiceProvider;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The tests' SLF4J provider (META-INF/services, chosen by the slf4j.provider property the build
 * sets): every logger writes into the open {@link LogCapture}, if any, and to slf4j-simple as before.
 */
public final class CapturingLogProvider implements SLF4JServiceProvider {
    private final SimpleServiceProvider simple = new SimpleServiceProvider();
    private final ILoggerFactory loggers = name -> new Captured(simple.getLoggerFactory().getLogger(name));
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        simple.initialize();
    }

    private static final class Captured extends LegacyAbstractLogger {
        private final Logger simple;

        Captured(Logger simple) {
            this.simple = simple;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            String text = MessageFormatter.basicArrayFormat(pattern, arguments);
            List<String> lines = LogCapture.open;
            if (lines != null) {
                lines.add(level + " " + text + (throwable != null ? " + stack" : ""));
            }
            if (simple.isEnabledForLevel(level)) {
                simple.atLevel(level).setCause(throwable).log(text);
            }
        }

        private static boolean on() {
            return LogCapture.open != null;
        }

        @Override
        public boolean isTraceEnabled() {
            return on() || simple.isTraceEnabled();
        }

        @Override
        public boolean isDebugEnabled() {
            return on() || simple.isDebugEnabled();
        }

        @Override
        public boolean isInfoEnabled() {
            return on() || simple.isInfoEnabled();
        }

        @Override
        public boolean isWarnEnabled() {
            return on() || simple.isWarnEnabled();
        }

        @Override
        public boolean isErrorEnabled() {
            return on() || simple.isErrorEnabled();
        }
    }
}
