# Reference values for src/core/analysis, computed with base R only (no CRAN packages).
#
# Regenerate (from the repository root):
#   Rscript test/core/analysis/reference.R
#   npx prettier --write test/core/analysis/reference-values.json
# It writes test/core/analysis/reference-values.json next to this script; commit both.
#
# Four parts:
#   - named: the values issue 5 names (Fisher 4/12 vs 1/10, Clopper-Pearson 4/12, Newcombe 4/12 - 1/10).
#   - edge: the statistics at their edges (0/n, n/n, n = 1, all values equal, zero variance, an empty
#     arm) as R computes them; where R stops with an error the value is null.
#   - dataset: the expected efficacy analysis of the small hand-built study of efficacy.test.ts
#     (the non-responder protocol, 23 randomized subjects). Membership of each population is decided
#     here by hand, from the rules, so that the test checks the engine's rules against these choices.
#   - otherShape: the same for a small study of test/fixtures/protocols/other-shape.yaml (shapes.test.ts).
# Methods: t.test() (mean CI, Welch), binom.test() (Clopper-Pearson), fisher.test(), and Newcombe's
# hybrid score interval (1998, method 10) from two Wilson intervals (prop.test(correct = FALSE)).

args <- commandArgs(trailingOnly = FALSE)
script_arg <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script_arg) == 1) dirname(normalizePath(script_arg)) else "."
out_file <- file.path(out_dir, "reference-values.json")

# ---- minimal JSON writer (as test/core/stats/reference.R; jsonlite is not installed) -------------
json_scalar <- function(v) {
  if (is.na(v)) return("null")
  if (is.logical(v)) return(if (v) "true" else "false")
  if (is.numeric(v)) {
    if (!is.finite(v)) return("null")
    short <- sprintf("%.15g", v)
    return(if (as.numeric(short) == v) short else sprintf("%.17g", v))
  }
  s <- gsub("\\\\", "\\\\\\\\", as.character(v))
  s <- gsub("\"", "\\\\\"", s)
  paste0("\"", s, "\"")
}
to_json <- function(x, indent = 0) {
  pad <- strrep("  ", indent + 1)
  end_pad <- strrep("  ", indent)
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    items <- vapply(x, to_json, character(1), indent = indent + 1)
    if (!is.null(names(x))) {
      items <- paste0(vapply(names(x), json_scalar, character(1)), ": ", items)
      return(paste0("{\n", pad, paste(items, collapse = paste0(",\n", pad)), "\n", end_pad, "}"))
    }
    return(paste0("[\n", pad, paste(items, collapse = paste0(",\n", pad)), "\n", end_pad, "]"))
  }
  if (length(x) == 1 && !inherits(x, "AsIs")) return(json_scalar(x))
  paste0("[", paste(vapply(as.vector(x), json_scalar, character(1)), collapse = ", "), "]")
}
num <- function(v) I(as.numeric(v))

# ---- the statistics ------------------------------------------------------------------------------
LEVEL <- 0.95
THRESHOLD <- 2 # EVR: a reduction of 2 log10 or more
EPS <- 1e-12   # the engine's tolerance at the threshold (labs/hcv-rna.ts isResponder)

mean_ci <- function(x) {
  n <- length(x)
  out <- list(n = n, mean = NA, sd = NA, lower = NA, upper = NA)
  if (n == 0) return(out)
  out$mean <- mean(x)
  if (n == 1) return(out)
  out$sd <- sd(x)
  # t.test() stops with "data are essentially constant" exactly where the engine gives no interval.
  r <- tryCatch(t.test(x, conf.level = LEVEL), error = function(e) NULL)
  if (!is.null(r)) {
    out$lower <- r$conf.int[1]
    out$upper <- r$conf.int[2]
  }
  out
}
clopper_pearson <- function(x, n) {
  if (n == 0) return(list(x = x, n = n, estimate = NA, lower = NA, upper = NA))
  ci <- binom.test(x, n, conf.level = LEVEL)$conf.int
  list(x = x, n = n, estimate = x / n, lower = ci[1], upper = ci[2])
}
wilson <- function(x, n) {
  ci <- as.numeric(suppressWarnings(prop.test(x, n, conf.level = LEVEL, correct = FALSE))$conf.int)
  # prop.test's interval is clamped to [0, 1]; at x = 0 and x = n the exact limits are 0 and 1.
  if (x == 0) ci[1] <- 0
  if (x == n) ci[2] <- 1
  ci
}
newcombe <- function(x1, n1, x2, n2) {
  if (n1 == 0 || n2 == 0) return(list(estimate = NA, lower = NA, upper = NA))
  p1 <- x1 / n1
  p2 <- x2 / n2
  w1 <- wilson(x1, n1)
  w2 <- wilson(x2, n2)
  d <- p1 - p2
  list(estimate = d, lower = d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2),
       upper = d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}
fisher_p <- function(x1, n1, x2, n2) {
  fisher.test(matrix(c(x1, x2, n1 - x1, n2 - x2), nrow = 2))$p.value
}
welch <- function(x, y) {
  none <- list(estimate = NA, df = NA, t = NA, pValue = NA, lower = NA, upper = NA)
  if (length(x) > 0 && length(y) > 0) none$estimate <- mean(x) - mean(y)
  if (length(x) < 2 || length(y) < 2) return(none)
  r <- tryCatch(t.test(x, y, var.equal = FALSE, conf.level = LEVEL), error = function(e) NULL)
  if (is.null(r)) return(none)
  list(estimate = as.numeric(r$estimate[1] - r$estimate[2]), df = as.numeric(r$parameter),
       t = as.numeric(r$statistic), pValue = r$p.value, lower = r$conf.int[1], upper = r$conf.int[2])
}

# ---- named values of the issue -------------------------------------------------------------------
named <- list(
  fisher = list(x1 = 4, n1 = 12, x2 = 1, n2 = 10, pValue = fisher_p(4, 12, 1, 10)),
  clopperPearson = clopper_pearson(4, 12),
  newcombe = c(list(x1 = 4, n1 = 12, x2 = 1, n2 = 10), newcombe(4, 12, 1, 10))
)
stopifnot(round(named$fisher$pValue, 4) == 0.3233)
stopifnot(round(named$clopperPearson$lower, 4) == 0.0992, round(named$clopperPearson$upper, 4) == 0.6511)
stopifnot(round(named$newcombe$lower, 4) == -0.1281, round(named$newcombe$upper, 4) == 0.5213)

# ---- edge cases ----------------------------------------------------------------------------------
proportion_edges <- lapply(list(c(0, 7), c(7, 7), c(0, 1), c(1, 1), c(0, 0)),
                           function(v) clopper_pearson(v[1], v[2]))
difference_edges <- lapply(
  list(c(0, 5, 0, 5), c(5, 5, 5, 5), c(0, 5, 5, 5), c(5, 5, 0, 5), c(1, 1, 0, 1), c(0, 1, 1, 1),
       c(3, 5, 0, 0), c(0, 0, 3, 5)),
  function(v) {
    p <- if (v[2] > 0 && v[4] > 0) fisher_p(v[1], v[2], v[3], v[4]) else NA
    c(list(x1 = v[1], n1 = v[2], x2 = v[3], n2 = v[4]), newcombe(v[1], v[2], v[3], v[4]), list(pValue = p))
  })
mean_edges <- lapply(list(
  list(name = "n = 1", x = c(1.7)),
  list(name = "n = 2", x = c(0.4, 2.9)),
  list(name = "all values equal", x = c(0.30103, 0.30103, 0.30103)),
  list(name = "zero values", x = numeric(0))
), function(e) c(list(name = e$name, values = num(e$x)), mean_ci(e$x)))
welch_edges <- lapply(list(
  list(name = "n = 1 in the arm", x = c(2.1), y = c(0.3, 0.5, 0.2)),
  list(name = "n = 1 in both", x = c(2.1), y = c(0.3)),
  list(name = "zero variance in the control", x = c(1.1, 2.4, 0.9, 3.0), y = c(0.3, 0.3, 0.3)),
  list(name = "zero variance in the arm", x = c(1.5, 1.5), y = c(0.1, 0.6, 0.2, 0.4)),
  list(name = "all values equal in both", x = c(0.5, 0.5, 0.5), y = c(0.5, 0.5)),
  list(name = "both constant, different", x = c(1, 1, 1), y = c(0.5, 0.5)),
  list(name = "empty arm", x = numeric(0), y = c(0.3, 0.5, 0.2))
), function(e) c(list(name = e$name, x = num(e$x), y = num(e$y)), welch(e$x, e$y)))
edge <- list(proportions = proportion_edges, differences = difference_edges, means = mean_edges,
             welch = welch_edges)

# ---- the hand-built study (efficacy.test.ts) -----------------------------------------------------
# HCV RNA in IU/mL at D0 and W12. Imputed at the LLOQ (the protocol's rule "lloq"): T2 "TND" of an
# assay with LLOQ 15; T4 "<25"; P3 "TND" without an LLOQ, so the protocol's 15.
# Populations: ITT = all randomized. COMPLETERS = a W12 result on treatment:
#   T6 discontinued on day 40 without a W12 result; T7 discontinued on day 50, W12 sampled on day 84
#   (off treatment: in ITT with its value, not a completer); D5 has no W12 result (not discontinued).
s <- data.frame(
  id = c("T1", "T2", "T3", "T4", "T5", "T6", "T7", "D1", "D2", "D3", "D4", "D5",
         "C1", "C2", "C3", "C4", "C5", "P1", "P2", "P3", "Q1", "R1", "R2"),
  stratum = c(rep("NR", 17), rep("PR", 6)),
  arm = c(rep("TRIPLE", 7), rep("DOUBLE", 5), rep("CONTROL", 5), rep("TRIPLE", 3), "DOUBLE",
          rep("CONTROL", 2)),
  base = c(2e6, 5e6, 8e5, 1.5e6, 3e6, 9e5, 1e6, 1e6, 2.5e6, 6e5, 4e6, 7e5,
           1e6, 2e6, 5e5, 3e6, 1.2e6, 2e6, 1e6, 4e6, 1e6, 2e6, 4e6),
  w12 = c(1e4, 15, 2.5e5, 25, 1.2e6, NA, 5e5, 4e5, 2e6, 1.5e5, 2e4, NA,
          8e5, 1e6, 5e3, 2.4e6, 6e5, 1e4, 5e4, 15, 9e5, 1e6, 2e6),
  imputed = c(FALSE, TRUE, FALSE, TRUE, rep(FALSE, 15), TRUE, FALSE, FALSE, FALSE),
  completer = c(rep(TRUE, 5), FALSE, FALSE, rep(TRUE, 4), FALSE, rep(TRUE, 11)),
  stringsAsFactors = FALSE
)
s$change <- log10(s$base) - log10(s$w12)
ARMS <- c("TRIPLE", "DOUBLE", "CONTROL")

arm_summary <- function(d, d_pop, population) {
  lapply(ARMS, function(a) {
    pop <- d_pop[d_pop$arm == a, ]
    values <- pop$change[!is.na(pop$change)]
    responders <- sum(values >= THRESHOLD - EPS)
    denominator <- if (population == "ITT") nrow(pop) else length(values)
    list(arm = a, randomized = sum(d$arm == a), inPopulation = nrow(pop),
         change = c(mean_ci(values), list(missing = nrow(pop) - length(values),
                                          imputed = sum(pop$imputed & !is.na(pop$change)))),
         evr = clopper_pearson(responders, denominator))
  })
}
comparisons <- function(d_pop, population) {
  ctl <- d_pop[d_pop$arm == "CONTROL", ]
  yc <- ctl$change[!is.na(ctl$change)]
  lapply(c("TRIPLE", "DOUBLE"), function(a) {
    pop <- d_pop[d_pop$arm == a, ]
    x <- pop$change[!is.na(pop$change)]
    r1 <- sum(x >= THRESHOLD - EPS)
    r2 <- sum(yc >= THRESHOLD - EPS)
    n1 <- if (population == "ITT") nrow(pop) else length(x)
    n2 <- if (population == "ITT") nrow(ctl) else length(yc)
    list(arm = a, change = welch(x, yc),
         evr = c(newcombe(r1, n1, r2, n2), list(pValue = if (n1 > 0 && n2 > 0) fisher_p(r1, n1, r2, n2) else NA)))
  })
}
dataset <- list()
for (subset in c("ALL", "NR", "PR")) {
  d <- if (subset == "ALL") s else s[s$stratum == subset, ]
  for (population in c("ITT", "COMPLETERS")) {
    d_pop <- if (population == "ITT") d else d[d$completer, ]
    dataset[[length(dataset) + 1]] <- list(subset = subset, population = population,
                                           arms = arm_summary(d, d_pop, population),
                                           comparisons = comparisons(d_pop, population))
  }
}

# ---- a study of another shape (shapes.test.ts: other-shape.yaml) -------------------------------
# A plain-number SCORE, change = M6 - BASE (direction "increase", no transform), responder: 10 points
# or more. Only ITT (all randomized): P4 and A6 lack a value and count as non-responders.
placebo <- c(55 - 50, 42 - 40, 58 - 60)      # P1 to P3; P4 has no M6
active <- c(65 - 50, 52 - 40, 60 - 55, 41 - 30, 70 - 62) # A1 to A5; A6 has no BASE
resp_p <- sum(placebo >= 10 - EPS)
resp_a <- sum(active >= 10 - EPS)
other_shape <- list(
  arms = list(
    c(list(arm = "PLACEBO", inPopulation = 4), list(change = mean_ci(placebo)),
      list(responders = clopper_pearson(resp_p, 4))),
    c(list(arm = "ACTIVE", inPopulation = 6), list(change = mean_ci(active)),
      list(responders = clopper_pearson(resp_a, 6)))
  ),
  comparison = list(arm = "ACTIVE", change = welch(active, placebo),
                    responders = c(newcombe(resp_a, 6, resp_p, 4), list(pValue = fisher_p(resp_a, 6, resp_p, 4))))
)

result <- list(
  generatedBy = paste(R.version.string, "- test/core/analysis/reference.R"),
  named = named,
  edge = edge,
  dataset = dataset,
  otherShape = other_shape
)
writeLines(to_json(result), out_file)
cat("wrote", out_file, "\n")
