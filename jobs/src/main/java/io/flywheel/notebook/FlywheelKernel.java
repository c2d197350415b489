package io.flywheel.notebook;

import io.flywheel.config.ConfigException;
import io.flywheel.config.ConfigLoader;
import io.flywheel.run.CliArgs;
import io.flywheel.run.SparkSessions;
import io.flywheel.sql.SqlCommand;
import io.flywheel.table.Warehouse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;

/**
 * The Flywheel Jupyter kernel (docs/notebooks.md#the-kernel): one SparkSession over the configured
 * warehouse, set up as the jobs set theirs up ({@link SparkSessions}, Delta and Flywheel's SQL
 * functions), running each cell's Spark SQL with the warehouse tables resolvable by name as
 * {@code flywheel sql} resolves them ({@link SqlCommand#query}); results come back as an HTML and a
 * plain-text table, or as a PNG chart when the cell starts with {@code %chart}. Jupyter starts it from
 * the kernelspec {@code flywheel notebook install-kernel} writes:
 * {@code java <flags> -cp <classpath> io.flywheel.notebook.FlywheelKernel [--conf F] [--set k=v]... <connection file>}.
 */
public final class FlywheelKernel extends BaseKernel {
  /** Set to {@code true} in the kernel's environment, a query returning no rows is an error ({@code flywheel notebook run}). */
  public static final String FAIL_ON_EMPTY_ENV = "FLYWHEEL_NOTEBOOK_FAIL_ON_EMPTY";
  static final int TABLE_ROWS = 200;
  static final int CHART_ROWS = 10_000;

  static {
    // Logging must be set up before the first cell: Jupyter swaps System.out/err for the notebook's
    // streams during a cell, and a log configuration made then (Spark makes its default one when it
    // finds none) would write every log line into the notebook.
    if (System.getProperty("log4j2.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", "io/flywheel/notebook/kernel-log4j2.properties");
    }
    if (System.getProperty("spark.ui.showConsoleProgress") == null) {
      // Spark's progress bar draws on stderr: in a notebook, hundreds of stream outputs.
      System.setProperty("spark.ui.showConsoleProgress", "false");
    }
  }

  private static final Logger LOG = LogManager.getLogger(FlywheelKernel.class);

  private final ConfigLoader.Loaded loaded;
  /** Why the config could not be loaded: every cell then fails with it, instead of a kernel that dies unexplained. */
  private final String configError;
  private final boolean failOnEmpty;
  private SparkSession spark;
  private Warehouse warehouse;

  FlywheelKernel(ConfigLoader.Loaded loaded, String configError, boolean failOnEmpty) {
    super("Flywheel", version(), new LanguageInfo.Builder("sql").version("Spark SQL").mimetype("text/x-sql")
            .fileExtension(".sql").pygments("sql").codemirror("sql").build(),
        List.of(), null, new JupyterIO(StandardCharsets.UTF_8), new CommManager(), new Renderer(), null, null, false,
        new StringStyler.Builder().build());
    this.loaded = loaded;
    this.configError = configError;
    this.failOnEmpty = failOnEmpty;
  }

  public static void main(String[] args) throws Exception {
    LOG.info("Flywheel kernel starting");
    String[] withName = new String[args.length + 1];
    withName[0] = "kernel";
    System.arraycopy(args, 0, withName, 1, args.length);
    CliArgs cli = CliArgs.parse(withName);
    if (cli.positional().size() != 1) {
      System.err.println("usage: FlywheelKernel [--conf FILE] [--set key=value]... <connection file>");
      System.exit(2);
    }
    Path connectionFile = Path.of(cli.positional().get(0));
    ConfigLoader.Loaded loaded = null;
    String configError = null;
    try {
      loaded = ConfigLoader.load(cli.conf() == null ? null : Path.of(cli.conf()), System.getenv(), cli.sets());
    } catch (ConfigException e) {
      configError = "config error: " + e.getMessage();
    }
    KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(connectionFile));
    JupyterConnection connection = new JupyterConnection(props);
    FlywheelKernel kernel = new FlywheelKernel(loaded, configError, "true".equalsIgnoreCase(System.getenv(FAIL_ON_EMPTY_ENV)));
    kernel.onStartup();
    kernel.becomeHandlerForConnection(connection);
    connection.connect();
    connection.waitUntilClose();
    kernel.stopSpark();
    // Spark keeps non-daemon threads: without an explicit exit the kernel would outlive its notebook.
    System.exit(0);
  }

  @Override
  public Object evalRaw(String source) {
    try {
      return evaluate(source);
    } catch (NotebookCellError e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.error("cell failed", e);
      throw new NotebookCellError(message(e), e);
    }
  }

  private DisplayData evaluate(String source) {
    NotebookCell cell = NotebookCell.parse(source);
    if (cell.isEmpty()) {
      return null;
    }
    if (configError != null) {
      throw new NotebookCellError(configError, null);
    }
    Dataset<Row> df = SqlCommand.query(session(), warehouse, cell.sql());
    List<String> columns = List.of(df.columns());
    int limit = cell.chart() != null ? CHART_ROWS : TABLE_ROWS;
    List<Row> rows = df.takeAsList(limit + 1);
    boolean cut = rows.size() > limit;
    if (rows.isEmpty() && failOnEmpty) {
      throw new NotebookCellError("the query returned no rows, and flywheel notebook run fails a cell that shows"
          + " nothing (check that the jobs this notebook reads have run on this warehouse)\n  query: " + cell.sql(), null);
    }
    List<List<Object>> values = new ArrayList<>();
    for (Row r : rows.subList(0, Math.min(limit, rows.size()))) {
      List<Object> v = new ArrayList<>(r.length());
      for (int i = 0; i < r.length(); i++) {
        v.add(r.isNullAt(i) ? null : r.get(i));
      }
      values.add(v);
    }
    DisplayData out = new DisplayData();
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("rows", values.size());
    meta.put("cut", cut);
    if (cell.chart() != null) {
      if (cut) {
        throw new NotebookCellError("a chart draws at most " + CHART_ROWS + " rows; aggregate in the query (GROUP BY)", null);
      }
      if (values.isEmpty()) {
        out.putText("(no rows to chart)");
      } else {
        byte[] png = NotebookCharts.png(cell.chart(), columns, values);
        out.putData("image/png", Base64.getEncoder().encodeToString(png));
        out.putText(cell.chart().displayTitle() + " (" + values.size() + " rows)");
      }
    } else {
      List<List<String>> text = new ArrayList<>();
      for (List<Object> v : values) {
        text.add(v.stream().map(SqlCommand::format).toList());
      }
      ResultTable table = new ResultTable(columns, text, cut);
      out.putHTML(table.html());
      out.putText(table.text());
    }
    out.putMetaData("flywheel", meta);
    return out;
  }

  private synchronized SparkSession session() {
    if (spark == null) {
      spark = SparkSessions.getOrCreate("flywheel-notebook");
      warehouse = new Warehouse(spark, loaded.config().warehouse().root(), loaded.config().warehouse().database());
    }
    return spark;
  }

  /** One line (or a few, for a query) saying what went wrong; the full trace goes to the kernel's log file. */
  static String message(RuntimeException e) {
    if (e instanceof IllegalArgumentException || e instanceof io.flywheel.run.UsageError) {
      return String.valueOf(e.getMessage());
    }
    String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    return "failed: " + e.getClass().getSimpleName() + ": " + first;
  }

  /** The error as the notebook shows it: the message, no stack trace (it is in the kernel's log file). */
  @Override
  public List<String> formatError(Throwable e) {
    return List.of(String.valueOf(e.getMessage()).split("\n"));
  }

  @Override
  public void interrupt() {
    SparkSession s = spark;
    if (s != null) {
      s.sparkContext().cancelAllJobs();
    }
  }

  @Override
  public void onShutdown(boolean isRestarting) {
    super.onShutdown(isRestarting);
    stopSpark();
  }

  private synchronized void stopSpark() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
  }

  @Override
  public DisplayData inspect(String code, int at, boolean extraDetail) {
    return null;
  }

  @Override
  public ReplacementOptions complete(String code, int at) {
    return null;
  }

  @Override
  public String isComplete(String code) {
    return IS_COMPLETE_MAYBE;
  }

  private static String version() {
    Package p = FlywheelKernel.class.getPackage();
    return p != null && p.getImplementationVersion() != null ? p.getImplementationVersion() : "dev";
  }

  /** A cell's failure, with the message the notebook shows. */
  static final class NotebookCellError extends RuntimeException {
    NotebookCellError(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
