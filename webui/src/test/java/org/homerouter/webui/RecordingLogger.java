package org.homerouter.webui;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** A logger for tests: the lines it was given, each with "+ stack" where it came with a throwable. */
final class RecordingLogger extends LegacyAbstractLogger {
    final List<String> lines = new CopyOnWriteArrayList<>();
    /** The same lines, each with its level first ("WARN ..."). */
    final List<String> leveled = new CopyOnWriteArrayList<>();

    /** Forgets the lines so far. */
    void clear() {
        lines.clear();
        leveled.clear();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                               Throwable throwable) {
        lines.add(MessageFormatter.basicArrayFormat(pattern, arguments) + (throwable != null ? " + stack" : ""));
        leveled.add(level + " " + lines.getLast());
    }

    @Override
    public boolean isTraceEnabled() {
        return true;
    }

    @Override
    public boolean isDebugEnabled() {
        return true;
    }

    @Override
    public boolean isInfoEnabled() {
        return true;
    }

    @Override
    public boolean isWarnEnabled() {
        return true;
    }

    @Override
    public boolean isErrorEnabled() {
        return true;
    }
}
