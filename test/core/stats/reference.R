# Reference values for src/core/stats, computed with base R only (no CRAN packages).
#
# Regenerate (from the repository root):
#   Rscript test/core/stats/reference.R
#   npx prettier --write test/core/stats/reference-values.json
# It writes test/core/stats/reference-values.json next to this script (prettier then only re-wraps
# long arrays and number spellings, no values); commit both.
#
# Sources of each value:
#   - mean / sd / t CI of a mean: mean(), sd(), t.test()$conf.int (formula mean +- qt * sd / sqrt(n)
#     where t.test() refuses: zero variance).
#   - Clopper-Pearson: binom.test()$conf.int.
#   - Wilson score: closed-form formula below, cross-checked against prop.test(correct = FALSE)$conf.int.
#   - Newcombe hybrid score (Newcombe 1998, method 10): formula below from two Wilson intervals
#     (DescTools is not packaged for Debian, so it is not used); cross-checked against the paper's example.
#   - Fisher: fisher.test(); Welch: t.test(var.equal = FALSE); Wilcoxon: wilcox.test(); normal CDF: pnorm().
# Cases where R stops with an error (n = 0, constant data, ...) are recorded with null values: the
# TypeScript functions return nulls (and a reason) there instead of throwing.

args <- commandArgs(trailingOnly = FALSE)
script_arg <- sub("^--file=", "", args[grep("^--file=", args)])
out_dir <- if (length(script_arg) == 1) dirname(normalizePath(script_arg)) else "."
out_file <- file.path(out_dir, "reference-values.json")

# ---- minimal JSON writer (base R has none; jsonlite is not installed) -------------------------
# Named list -> object; unnamed list -> array; atomic vector of length 1 -> scalar unless wrapped
# in I() (then array); NA / NaN / Inf -> null; numbers printed with 17 significant digits.
json_scalar <- function(v) {
  if (is.na(v)) return("null")
  if (is.logical(v)) return(if (v) "true" else "false")
  if (is.numeric(v)) {
    if (!is.finite(v)) return("null")
    short <- sprintf("%.15g", v) # shortest of 15 / 17 digits that reads back as the same double
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
num <- function(v) I(as.numeric(v)) # always an array in JSON, even of length 0 or 1
or_na <- function(expr) tryCatch(expr, error = function(e) NA_real_)

# ---- descriptive: mean, sd, t-based CI of a mean ---------------------------------------------
mean_case <- function(name, values, level = 0.95) {
  n <- length(values)
  m <- if (n > 0) mean(values) else NA_real_
  s <- if (n > 1) sd(values) else NA_real_
  ci <- c(NA_real_, NA_real_)
  if (n > 1) {
    if (s > 0) {
      ci <- as.numeric(t.test(values, conf.level = level)$conf.int)
    } else {
      # t.test() stops with "data are essentially constant"; the formula gives [mean, mean].
      h <- qt(1 - (1 - level) / 2, n - 1) * s / sqrt(n)
      ci <- c(m - h, m + h)
    }
  }
  list(name = name, values = num(values), level = level, n = n, mean = m, sd = s,
       lower = ci[1], upper = ci[2])
}
descriptive <- list(
  mean_case("seven values", c(5.1, 4.9, 6.2, 5.8, 6.0, 5.5, 5.3)),
  mean_case("seven values, 90%", c(5.1, 4.9, 6.2, 5.8, 6.0, 5.5, 5.3), 0.90),
  mean_case("two values", c(-1.5, 2.25)),
  mean_case("skewed, large magnitude", c(120, 135, 128, 190, 142, 131, 600, 125, 133, 140)),
  mean_case("all equal (zero variance)", c(3, 3, 3, 3)),
  mean_case("n = 1", c(42)),
  mean_case("n = 0", numeric(0))
)

# ---- binomial: Clopper-Pearson and Wilson ------------------------------------------------------
cp_case <- function(x, n, level = 0.95) {
  ci <- if (n > 0) as.numeric(binom.test(x, n, conf.level = level)$conf.int) else c(NA, NA)
  list(x = x, n = n, level = level, estimate = if (n > 0) x / n else NA, lower = ci[1], upper = ci[2])
}
wilson <- function(x, n, level = 0.95) {
  if (n == 0) return(c(NA_real_, NA_real_))
  z <- qnorm(1 - (1 - level) / 2)
  p <- x / n
  denom <- 1 + z^2 / n
  centre <- (p + z^2 / (2 * n)) / denom
  half <- z * sqrt(p * (1 - p) / n + z^2 / (4 * n^2)) / denom
  c(max(0, centre - half), min(1, centre + half))
}
wilson_case <- function(x, n, level = 0.95) {
  ci <- wilson(x, n, level)
  if (n > 0) {
    pt_ci <- as.numeric(suppressWarnings(prop.test(x, n, conf.level = level, correct = FALSE))$conf.int)
    stopifnot(isTRUE(all.equal(ci, pt_ci, tolerance = 1e-12)))
  }
  list(x = x, n = n, level = level, estimate = if (n > 0) x / n else NA, lower = ci[1], upper = ci[2])
}
binomial_inputs <- list(c(4, 12), c(1, 10), c(0, 10), c(10, 10), c(0, 1), c(1, 1), c(17, 50), c(0, 0),
                        c(56, 70), c(48, 80))
clopper_pearson <- c(lapply(binomial_inputs, function(v) cp_case(v[1], v[2])), list(cp_case(4, 12, 0.90)))
wilson_cases <- c(lapply(binomial_inputs, function(v) wilson_case(v[1], v[2])), list(wilson_case(4, 12, 0.90)))

# ---- Newcombe hybrid score, method 10 ----------------------------------------------------------
# d = p1 - p2; lower = d - sqrt((p1 - l1)^2 + (u2 - p2)^2); upper = d + sqrt((u1 - p1)^2 + (p2 - l2)^2),
# where (l_i, u_i) is the Wilson score interval of p_i (no continuity correction).
newcombe_case <- function(x1, n1, x2, n2, level = 0.95) {
  if (n1 == 0 || n2 == 0) {
    return(list(x1 = x1, n1 = n1, x2 = x2, n2 = n2, level = level, estimate = NA, lower = NA, upper = NA))
  }
  p1 <- x1 / n1
  p2 <- x2 / n2
  w1 <- wilson(x1, n1, level)
  w2 <- wilson(x2, n2, level)
  d <- p1 - p2
  list(x1 = x1, n1 = n1, x2 = x2, n2 = n2, level = level, estimate = d,
       lower = d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2),
       upper = d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}
newcombe <- list(
  newcombe_case(4, 12, 1, 10),
  newcombe_case(4, 12, 1, 10, 0.90),
  newcombe_case(56, 70, 48, 80), # Newcombe (1998) Table II example (a): 0.0524 to 0.3339
  newcombe_case(9, 10, 3, 10),
  newcombe_case(0, 10, 0, 10),
  newcombe_case(10, 10, 0, 10),
  newcombe_case(5, 5, 3, 7),
  newcombe_case(1, 1, 0, 1),
  newcombe_case(17, 50, 25, 50),
  newcombe_case(0, 0, 3, 10)
)
# Literature check (Newcombe 1998, Stat Med 17:873-890, Table II, 56/70 - 48/80, method 10).
stopifnot(abs(newcombe[[3]]$lower - 0.0524) < 5e-5, abs(newcombe[[3]]$upper - 0.3339) < 5e-5)

# ---- Fisher's exact test, 2x2 ------------------------------------------------------------------
fisher_case <- function(a, b, c, d, alternative = "two.sided") {
  tab <- matrix(c(a, c, b, d), nrow = 2) # rows (a, b) and (c, d)
  list(table = list(num(c(a, b)), num(c(c, d))), alternative = alternative,
       pValue = fisher.test(tab, alternative = alternative)$p.value)
}
fisher <- list()
for (alt in c("two.sided", "less", "greater")) {
  fisher <- c(fisher, list(
    fisher_case(4, 8, 1, 9, alt),    # 4/12 vs 1/10
    fisher_case(3, 1, 1, 3, alt),    # Fisher's tea tasting
    fisher_case(0, 10, 5, 5, alt),   # a zero cell
    fisher_case(12, 38, 25, 25, alt),
    fisher_case(0, 5, 0, 3, alt),    # a zero column margin
    fisher_case(0, 0, 0, 0, alt),    # all margins zero
    fisher_case(7, 0, 0, 7, alt),
    fisher_case(5, 5, 5, 5, alt),    # symmetric: probability ties around the mode
    fisher_case(40, 60, 22, 78, alt),
    fisher_case(900, 1100, 1000, 1000, alt) # large counts: log-space pmf
  ))
}

# ---- Welch two-sample t-test -------------------------------------------------------------------
welch_case <- function(name, x, y, level = 0.95) {
  base <- list(name = name, x = num(x), y = num(y), level = level)
  if (length(x) < 2 || length(y) < 2) {
    return(c(base, list(estimate = if (length(x) > 0 && length(y) > 0) mean(x) - mean(y) else NA,
                        df = NA, t = NA, pValue = NA, lower = NA, upper = NA)))
  }
  r <- tryCatch(t.test(x, y, var.equal = FALSE, conf.level = level), error = function(e) NULL)
  if (is.null(r)) { # "data are essentially constant"
    return(c(base, list(estimate = mean(x) - mean(y), df = NA, t = NA, pValue = NA, lower = NA, upper = NA)))
  }
  c(base, list(estimate = as.numeric(r$estimate[1] - r$estimate[2]), df = as.numeric(r$parameter),
               t = as.numeric(r$statistic), pValue = r$p.value,
               lower = r$conf.int[1], upper = r$conf.int[2]))
}
welch_x <- c(19.2, 22.4, 18.7, 25.1, 21.3, 20.8, 23.9, 17.5)
welch_y <- c(16.1, 30.2, 12.8, 24.4, 9.7, 27.5, 14.3, 21.0, 11.2, 25.9, 18.8, 8.4, 29.1)
welch <- list(
  welch_case("unequal n and variances", welch_x, welch_y),
  welch_case("unequal n and variances, 90%", welch_x, welch_y, 0.90),
  welch_case("equal n", c(1.1, 2.3, 1.9, 3.2, 2.8), c(3.5, 4.1, 2.9, 5.0, 4.4)),
  welch_case("large difference", c(100.5, 101.2, 99.8, 100.9), c(80.1, 79.5, 81.0, 80.4, 79.9, 80.7)),
  welch_case("one group with zero variance", c(5, 5, 5, 5), c(4.2, 5.9, 6.3, 3.8, 5.1)),
  welch_case("both groups constant", c(5, 5, 5), c(7, 7, 7, 7)),
  welch_case("both groups constant and equal", c(2, 2), c(2, 2, 2)),
  welch_case("n = 1 in a group", c(3.3), c(1.2, 2.5, 3.1)),
  welch_case("empty group", numeric(0), c(1.2, 2.5, 3.1))
)

# ---- Wilcoxon rank-sum (Mann-Whitney) ----------------------------------------------------------
wilcoxon_case <- function(name, x, y, exact = NULL) {
  base <- list(name = name, x = num(x), y = num(y), exact = if (is.null(exact)) NA else exact)
  r <- tryCatch(suppressWarnings(wilcox.test(x, y, exact = exact, correct = TRUE)), error = function(e) NULL)
  if (is.null(r)) return(c(base, list(method = NA, W = NA, pValue = NA)))
  c(base, list(method = r$method, W = as.numeric(r$statistic), pValue = r$p.value))
}
set.seed(20240501)
big_x <- round(rnorm(60, 10, 2), 6)
big_y <- round(rnorm(55, 11, 2), 6)
stopifnot(!anyDuplicated(c(big_x, big_y)))
wilcoxon <- list(
  wilcoxon_case("no ties, exact", c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30),
                c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 3.14)),
  wilcoxon_case("no ties, W above the middle", c(8.1, 9.4, 7.7, 10.2, 8.8, 9.9), c(6.5, 7.9, 5.8, 8.3, 7.1, 6.9, 8.6, 7.4)),
  wilcoxon_case("complete separation", c(1, 2, 3, 4, 5), c(6, 7, 8, 9, 10, 11)),
  wilcoxon_case("W exactly in the middle", c(1, 4), c(2, 3)),
  wilcoxon_case("n = 1 in a group", c(2.5), c(1.1, 3.3, 4.4, 0.2, 5.6)),
  wilcoxon_case("ties, normal approximation", c(1, 2, 2, 3, 4, 5, 5, 6), c(3, 4, 4, 5, 6, 7, 7, 8, 9)),
  wilcoxon_case("ties across groups only", c(1.5, 2.5, 3.5), c(2.5, 4.5, 5.5, 6.5)),
  wilcoxon_case("all values equal", c(4, 4, 4), c(4, 4, 4, 4)),
  wilcoxon_case("empty group", numeric(0), c(1, 2, 3)),
  wilcoxon_case("no ties, n >= 50: R default is the normal approximation", big_x, big_y),
  wilcoxon_case("no ties, n >= 50, exact forced", big_x, big_y, exact = TRUE),
  wilcoxon_case("no ties, exact = FALSE", c(8.1, 9.4, 7.7, 10.2, 8.8, 9.9),
                c(6.5, 7.9, 5.8, 8.3, 7.1, 6.9, 8.6, 7.4), exact = FALSE)
)

# ---- standard normal CDF -----------------------------------------------------------------------
normal_x <- c(-40, -20, -10, -8.3, -6, -5, -4.2, -3.1, -2.5, -1.959963984540054, -1.2, -0.67,
              -0.25, -1e-8, 0, 1e-8, 0.3, 0.66, 1.1, 1.96, 2.7, 3.5, 4.9, 7.2, 9)
normal_cdf <- lapply(normal_x, function(v) list(x = v, lower = pnorm(v), upper = pnorm(v, lower.tail = FALSE)))

result <- list(
  generatedBy = paste(R.version.string, "- test/core/stats/reference.R"),
  descriptive = descriptive,
  clopperPearson = clopper_pearson,
  wilson = wilson_cases,
  newcombe = newcombe,
  fisher = fisher,
  welch = welch,
  wilcoxon = wilcoxon,
  normalCdf = normal_cdf
)
writeLines(to_json(result), out_file)
cat("wrote", out_file, "\n")
