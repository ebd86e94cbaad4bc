package org.homerouter.webui;

import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateExceptionHandler;
import java.io.StringWriter;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;

/**
 * The pages' FreeMarker templates ({@code templates/*.ftlh}) and their rendering. Set up once when
 * the server is made; FreeMarker's configuration is then safe to use from every request at once.
 */
final class Templates {
    private final Configuration templates;

    Templates() {
        this.templates = new Configuration(Configuration.VERSION_2_3_34);
        templates.setClassForTemplateLoading(WebServer.class, "templates");
        templates.setDefaultEncoding("UTF-8");
        templates.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        templates.setLogTemplateExceptions(false);
        templates.setNumberFormat("computer");
        // Figures and dates the same whatever the JVM's default locale: under de_DE "1,5 KiB" stood
        // beside dashboard.js's "1.5 Mbit/s". The UI is in English; so are its numbers.
        templates.setLocale(Locale.ROOT);
        // Times in UTC, whatever the JVM's default zone: layout.ftlh's `when` writes them so, for
        // static/times.js to show in the browser's own zone.
        templates.setTimeZone(TimeZone.getTimeZone("UTC"));
        templates.setOutputEncoding("UTF-8");
        templates.setURLEscapingCharset("UTF-8");
    }

    String render(String template, Map<String, Object> model) throws Exception {
        Template t = templates.getTemplate(template);
        StringWriter out = new StringWriter();
        t.process(model, out);
        return out.toString();
    }
}
