package org.homerouter.webui;

import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import java.io.IOException;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's web UI on Jetty 12 (core handler API, no servlets), pages rendered with FreeMarker
 * templates ({@code .ftlh}: HTML auto-escaping, so a peer-chosen host name cannot inject markup).
 * Every response carries a strict Content-Security-Policy and refuses framing.
 */
public final class WebServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
    static final String CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    private final Server server;
    private final Configuration templates;
    private final StatusSource source;

    public WebServer(InetSocketAddress bind, StatusSource source) {
        this.source = source;
        this.templates = new Configuration(Configuration.VERSION_2_3_34);
        templates.setClassForTemplateLoading(WebServer.class, "templates");
        templates.setDefaultEncoding("UTF-8");
        templates.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        templates.setLogTemplateExceptions(false);
        this.server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(bind.getHostString());
        connector.setPort(bind.getPort());
        server.addConnector(connector);
        server.setHandler(new Pages());
    }

    /** Starts listening; returns the bound port (useful with port 0). */
    public int start() throws Exception {
        server.start();
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        LOG.info("web UI on http://{}:{}/", ((ServerConnector) server.getConnectors()[0]).getHost(), port);
        return port;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the web UI: {}", e.toString());
        }
    }

    String render(String template, Map<String, Object> model) throws IOException, TemplateException {
        Template t = templates.getTemplate(template);
        StringWriter out = new StringWriter();
        t.process(model, out);
        return out.toString();
    }

    private final class Pages extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            response.getHeaders().put("Content-Security-Policy", CSP);
            response.getHeaders().put("X-Frame-Options", "DENY");
            response.getHeaders().put("X-Content-Type-Options", "nosniff");
            response.getHeaders().put("Referrer-Policy", "no-referrer");
            String path = Request.getPathInContext(request);
            if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
                return send(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "text/plain", "method not allowed\n");
            }
            try {
                return switch (path) {
                    case "/" -> send(response, callback, HttpStatus.OK_200, "text/html;charset=utf-8",
                            render("status.ftlh", Map.of("s", source.status())));
                    case "/healthz" -> send(response, callback, HttpStatus.OK_200, "text/plain", "ok\n");
                    default -> send(response, callback, HttpStatus.NOT_FOUND_404, "text/plain", "not found\n");
                };
            } catch (IOException | TemplateException | RuntimeException e) {
                LOG.error("rendering {} failed", path, e);
                return send(response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500, "text/plain",
                        "internal error (see the appliance log)\n");
            }
        }

        private boolean send(Response response, Callback callback, int status, String type, String body) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        }
    }
}
