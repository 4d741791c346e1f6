# The R counterpart of `trialdesk analyze`, for bench/analyze.bench.ts. Base R only (no CRAN packages).
#
#   Rscript bench/analyze.R DIR OUT.json
#
# Reads DIR/study.csv (the protocol's analysis settings, key,value) and the study's data:
# subjects.csv, results.csv, adverse_events.csv, dispositions.csv, reassignments.csv. Computes the
# tables of trialdesk's analysis with the same definitions (src/core/analysis): efficacy per subset
# (all, then each level of the by-factor) x population x endpoint x arm, with each arm against the
# control; safety counts per arm; the CONSORT flow; main-phase discontinuations; the extension's status.
# The statistics are R's own: t.test (one sample, and var.equal = FALSE for Welch), binom.test
# (Clopper-Pearson), fisher.test; Newcombe's hybrid score interval (Newcombe 1998, method 10), which
# base R lacks, from Wilson intervals written out below. Writes OUT.json by hand (no jsonlite), with
# the field names of schemas/analysis.v1.schema.json, so the bench can compare figure by figure.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2L) stop("usage: Rscript bench/analyze.R DIR OUT.json")
dir <- args[[1L]]
out <- args[[2L]]

read <- function(name, classes) {
  utils::read.csv(file.path(dir, name), colClasses = classes, na.strings = "",
                  stringsAsFactors = FALSE, encoding = "UTF-8")
}

# ---- settings -----------------------------------------------------------------------------------

kv <- read("study.csv", c(key = "character", value = "character"))
setting <- function(key) {
  v <- kv$value[kv$key == key]
  if (length(v) != 1L) stop("study.csv has no single ", key)
  v
}
listOf <- function(key) {
  v <- setting(key)
  if (is.na(v)) character(0) else strsplit(v, "|", fixed = TRUE)[[1L]]
}

dataCut <- setting("dataCut")
arms <- listOf("arms")
control <- setting("control")
drugs <- listOf("drugs")
byFactor <- setting("factor")
factorLevels <- listOf("levels")
measureLloq <- as.numeric(setting("measureLloq"))
belowLloqFactor <- if (setting("belowLloq") == "lloq") 1 else 0.5
mainPhase <- setting("mainPhase")
extPhase <- setting("extPhase")
extOptions <- listOf("extOptions")
milestoneDay <- as.numeric(setting("milestoneDay"))
reasonVocabulary <- c(listOf("reasons"), "not given")
# Populations: CODE:all-randomized or CODE:completed-visit:VISIT.
populations <- lapply(listOf("populations"), function(p) {
  f <- strsplit(p, ":", fixed = TRUE)[[1L]]
  list(code = f[[1L]], kind = f[[2L]], visit = if (length(f) > 2L) f[[3L]] else NA_character_)
})
# Endpoints in protocol order: change-from-baseline:MEASURE:TRANSFORM:BASELINE:VISIT:DIRECTION
# or responder:OF:THRESHOLD.
endpoints <- lapply(listOf("endpoints"), function(code) {
  f <- strsplit(setting(paste0("endpoint.", code)), ":", fixed = TRUE)[[1L]]
  if (f[[1L]] == "change-from-baseline")
    list(code = code, kind = f[[1L]], measure = f[[2L]], transform = f[[3L]], baseline = f[[4L]],
         visit = f[[5L]], direction = f[[6L]])
  else list(code = code, kind = f[[1L]], of = f[[2L]], threshold = as.numeric(f[[3L]]))
})

# ---- data, up to the data cut -------------------------------------------------------------------

subjects <- read("subjects.csv", c(id = "character", screening_number = "character",
                                   site = "character", status = "character", level = "character",
                                   arm = "character", day0 = "character"))
# A randomization after the data cut counts as eligible, not randomized.
isRandomized <- subjects$status == "randomized" & !is.na(subjects$day0) & subjects$day0 <= dataCut
rnd <- subjects[isRandomized, ]
rnd <- rnd[order(rnd$screening_number, method = "radix"), ]
ids <- rnd$id
armOfSubject <- function(s) rnd$arm[match(s, ids)]

mine <- function(d, date) d[d[[date]] <= dataCut & d$subject %in% ids, ]
results <- mine(read("results.csv", c(subject = "character", visit = "character",
                                      measure = "character", collected_on = "character",
                                      kind = "character", value = "numeric", lloq = "numeric")),
                "collected_on")
aeClasses <- c(subject = "character", verbatim_term = "character", coded_term = "character",
               body_system = "character", grade = "integer", serious = "logical",
               onset_date = "character")
aeClasses[paste0("related_", drugs)] <- "character"
ae <- mine(read("adverse_events.csv", aeClasses), "onset_date")
disp <- mine(read("dispositions.csv", c(subject = "character", phase = "character",
                                        status = "character", date = "character",
                                        reason = "character", related_drug = "character")), "date")
reassign <- mine(read("reassignments.csv", c(subject = "character", phase = "character",
                                             option = "character", from_arm = "character",
                                             to_arm = "character", date = "character")), "date")

# ---- statistics ---------------------------------------------------------------------------------

level <- 0.95
# As R's t.test: a standard error below 10 eps |mean| means constant data (no interval).
negligible <- function(se, m) se <= 10 * .Machine$double.eps * m

# Wilson score interval, no continuity correction (Wilson 1927), limits exactly 0 and 1 at x = 0, n.
wilson <- function(x, n) {
  z <- qnorm(1 - (1 - level) / 2)
  p <- x / n
  denominator <- 1 + z^2 / n
  centre <- (p + z^2 / (2 * n)) / denominator
  half <- z * sqrt(p * (1 - p) / n + z^2 / (4 * n^2)) / denominator
  c(p, if (x == 0) 0 else max(0, centre - half), if (x == n) 1 else min(1, centre + half))
}

# Newcombe hybrid score interval of p1 - p2 (Newcombe 1998, Stat Med 17:873-890, method 10).
newcombe <- function(x1, n1, x2, n2) {
  a <- wilson(x1, n1)
  b <- wilson(x2, n2)
  d <- a[1L] - b[1L]
  c(d, d - sqrt((a[1L] - a[2L])^2 + (b[3L] - b[1L])^2), d + sqrt((a[3L] - a[1L])^2 + (b[1L] - b[2L])^2))
}

summariseChange <- function(arm, values, inPopulation, imputed) {
  n <- length(values)
  m <- if (n > 0L) mean(values) else NA
  s <- if (n > 1L) sd(values) else NA
  ci <- if (n > 1L && !negligible(s / sqrt(n), abs(m))) t.test(values, conf.level = level)$conf.int
        else c(NA, NA)
  list(arm = arm, inPopulation = inPopulation, n = n, missing = inPopulation - n, imputed = imputed,
       mean = m, sd = s, lower = ci[[1L]], upper = ci[[2L]])
}

compareChange <- function(arm, x, y) {
  row <- list(arm = arm, control = control, difference = NA, lower = NA, upper = NA, df = NA,
              t = NA, pValue = NA)
  if (length(x) == 0L || length(y) == 0L) return(row)
  row$difference <- mean(x) - mean(y)
  if (length(x) < 2L || length(y) < 2L) return(row)
  se <- sqrt(var(x) / length(x) + var(y) / length(y))
  if (se == 0 || negligible(se, max(abs(mean(x)), abs(mean(y))))) return(row)
  w <- t.test(x, y, var.equal = FALSE, conf.level = level)
  row$difference <- unname(w$estimate[[1L]] - w$estimate[[2L]])
  row$lower <- w$conf.int[[1L]]
  row$upper <- w$conf.int[[2L]]
  row$df <- unname(w$parameter)
  row$t <- unname(w$statistic)
  row$pValue <- w$p.value
  row
}

summariseResponders <- function(arm, responders, denominator, inPopulation, n, imputed) {
  ci <- if (denominator > 0L) binom.test(responders, denominator, conf.level = level)$conf.int
        else c(NA, NA)
  list(arm = arm, inPopulation = inPopulation, denominator = denominator, responders = responders,
       missing = inPopulation - n, imputed = imputed,
       rate = if (denominator > 0L) responders / denominator else NA,
       lower = ci[[1L]], upper = ci[[2L]])
}

compareResponders <- function(arm, x1, n1, x2, n2) {
  if (n1 == 0L || n2 == 0L)
    return(list(arm = arm, control = control, difference = NA, lower = NA, upper = NA, pValue = NA))
  d <- newcombe(x1, n1, x2, n2)
  p <- fisher.test(matrix(c(x1, n1 - x1, x2, n2 - x2), nrow = 2L, byrow = TRUE))$p.value
  list(arm = arm, control = control, difference = d[[1L]], lower = d[[2L]], upper = d[[3L]],
       pValue = p)
}

# ---- efficacy -----------------------------------------------------------------------------------

# A result's analysed value under the protocol's below-LLOQ rule (its own LLOQ, else the measure's).
analysedValue <- function(r) {
  lloq <- ifelse(is.na(r$lloq), measureLloq, r$lloq)
  ifelse(r$kind == "value", r$value, lloq * belowLloqFactor)
}

# Each randomized subject's change (NA when a result is missing) and whether a value was imputed.
changeOf <- function(e) {
  r <- results[results$measure == e$measure, ]
  base <- r[r$visit == e$baseline, ]
  later <- r[r$visit == e$visit, ]
  ib <- match(ids, base$subject)
  il <- match(ids, later$subject)
  transform <- function(v) if (e$transform == "log10") ifelse(v > 0, log10(v), NA) else v
  tb <- transform(analysedValue(base))[ib]
  tl <- transform(analysedValue(later))[il]
  change <- if (e$direction == "reduction") tb - tl else tl - tb
  imputed <- !is.na(change) & (base$kind[ib] != "value" | later$kind[il] != "value")
  list(change = change, imputed = imputed)
}
changes <- list()
for (e in endpoints) if (e$kind == "change-from-baseline") changes[[e$code]] <- changeOf(e)

# Completed a visit: a result at it collected on or before the first discontinuation (any phase).
firstStop <- function() {
  d <- disp[disp$status == "discontinued", ]
  stops <- tapply(d$date, d$subject, min)
  unname(stops[match(ids, names(stops))])
}
stopOf <- firstStop()
inPopulation <- lapply(populations, function(p) {
  if (p$kind == "all-randomized") return(rep(TRUE, length(ids)))
  at <- results[results$visit == p$visit, ]
  stop <- stopOf[match(at$subject, ids)]
  ids %in% at$subject[is.na(stop) | at$collected_on <= stop]
})

subsets <- c(list(list(factor = NA, level = NA)),
             lapply(factorLevels, function(l) list(factor = byFactor, level = l)))
efficacy <- list()
for (subset in subsets) {
  inSubset <- if (is.na(subset$level)) rep(TRUE, length(ids)) else rnd$level %in% subset$level
  for (pi in seq_along(populations)) {
    population <- populations[[pi]]
    members <- lapply(arms, function(a) which(inSubset & inPopulation[[pi]] & rnd$arm == a))
    names(members) <- arms
    setArms <- lapply(arms, function(a) list(arm = a, randomized = sum(inSubset & rnd$arm == a),
                                             inPopulation = length(members[[a]])))
    endpointResults <- lapply(endpoints, function(e) {
      ch <- changes[[if (e$kind == "responder") e$of else e$code]]
      values <- lapply(members, function(m) ch$change[m][!is.na(ch$change[m])])
      imputed <- lapply(members, function(m) sum(ch$imputed[m]))
      others <- setdiff(arms, control)
      if (e$kind == "change-from-baseline") {
        list(code = e$code, kind = e$kind,
             arms = lapply(arms, function(a)
               summariseChange(a, values[[a]], length(members[[a]]), imputed[[a]])),
             comparisons = lapply(others, function(a)
               compareChange(a, values[[a]], values[[control]])))
      } else {
        responders <- lapply(values, function(v) sum(v >= e$threshold - 1e-12))
        denominator <- lapply(arms, function(a)
          if (population$kind == "all-randomized") length(members[[a]]) else length(values[[a]]))
        names(denominator) <- arms
        list(code = e$code, kind = e$kind,
             arms = lapply(arms, function(a)
               summariseResponders(a, responders[[a]], denominator[[a]], length(members[[a]]),
                                   length(values[[a]]), imputed[[a]])),
             comparisons = lapply(others, function(a)
               compareResponders(a, responders[[a]], denominator[[a]], responders[[control]],
                                 denominator[[control]])))
      }
    })
    efficacy[[length(efficacy) + 1L]] <- list(
      subset = list(factor = subset$factor, level = subset$level),
      population = list(code = population$code),
      arms = setArms,
      endpoints = endpointResults)
  }
}

# ---- safety -------------------------------------------------------------------------------------

armTotals <- vapply(arms, function(a) sum(rnd$arm == a), 0)
# Subjects (not events) per arm: each subject once, however many of their events fall in the row.
countRow <- function(subject) {
  s <- unique(subject)
  n <- vapply(arms, function(a) 0, 0)
  tab <- table(armOfSubject(s))
  n[names(tab)] <- as.vector(tab)
  list(total = sum(n), counts = lapply(arms, function(a)
    list(arm = a, subjects = n[[a]],
         proportion = if (armTotals[[a]] == 0) NA else n[[a]] / armTotals[[a]])))
}
withName <- function(field, value, row) c(setNames(list(value), field), row)
byFrequency <- function(rows, field) {
  if (length(rows) == 0L) return(rows)
  totals <- vapply(rows, function(r) r$total, 0)
  labels <- vapply(rows, function(r) r[[field]], "")
  rows[order(-totals, labels, method = "radix")]
}

relatedCodes <- c("possible", "probable", "definite")
relatedTo <- lapply(drugs, function(d) ae[[paste0("related_", d)]] %in% relatedCodes)
names(relatedTo) <- drugs
relatedAny <- Reduce(`|`, relatedTo, rep(FALSE, nrow(ae)))
maximumGrade <- tapply(ae$grade, ae$subject, max)
system <- ifelse(is.na(ae$body_system), "Body system not coded", ae$body_system)
term <- ifelse(is.na(ae$coded_term), ae$verbatim_term, ae$coded_term)
bySystemAndTerm <- byFrequency(lapply(unique(system), function(sys) {
  inSystem <- system == sys
  terms <- byFrequency(lapply(unique(term[inSystem]), function(t)
    withName("term", t, countRow(ae$subject[inSystem & term == t]))), "term")
  c(withName("bodySystem", sys, countRow(ae$subject[inSystem])), list(terms = terms))
}), "bodySystem")

safety <- list(
  armTotals = lapply(arms, function(a) list(arm = a, n = armTotals[[a]])),
  anyEvent = countRow(ae$subject),
  serious = countRow(ae$subject[ae$serious]),
  relatedToAnyDrug = countRow(ae$subject[relatedAny]),
  relatedTo = lapply(drugs, function(d) withName("drug", d, countRow(ae$subject[relatedTo[[d]]]))),
  maximumGrade = lapply(1:5, function(g)
    withName("grade", g, countRow(names(maximumGrade)[maximumGrade == g]))),
  bySystemAndTerm = bySystemAndTerm)

# ---- disposition --------------------------------------------------------------------------------

dispositionOf <- function(phase) disp[disp$phase == phase, ][match(ids, disp$subject[disp$phase == phase]), ]
mainDisposition <- dispositionOf(mainPhase)
overall <- efficacy[vapply(efficacy, function(s) is.na(s$subset$factor), TRUE)]
consort <- list(
  screened = nrow(subjects),
  screenFailures = sum(subjects$status == "screen_failed"),
  eligibleNotRandomized = sum(subjects$status == "eligible" | (subjects$status == "randomized" & !isRandomized)),
  randomized = length(ids),
  arms = lapply(arms, function(a) {
    on <- rnd$arm == a
    allocated <- sum(on)
    completed <- sum(on & mainDisposition$status %in% "completed")
    discontinued <- sum(on & mainDisposition$status %in% "discontinued")
    list(arm = a, allocated = allocated, completed = completed, discontinued = discontinued,
         ongoing = allocated - completed - discontinued,
         analysed = lapply(overall, function(s) list(
           population = s$population$code,
           n = s$arms[[match(a, arms)]]$inPopulation)))
  }))

stopped <- disp[disp$phase == mainPhase & disp$status == "discontinued", ]
stopReason <- ifelse(is.na(stopped$reason), "not given", stopped$reason)
stopDrug <- ifelse(is.na(stopped$related_drug), "", stopped$related_drug)
reasons <- reasonVocabulary[reasonVocabulary %in% stopReason]
discontinuations <- c(list(phase = mainPhase), countRow(stopped$subject), list(
  byReason = lapply(reasons, function(r) {
    present <- c(drugs, "")[c(drugs, "") %in% stopDrug[stopReason == r]]
    byDrug <- if (any(present != "")) lapply(present, function(d)
      withName("drug", if (d == "") NA else d, countRow(stopped$subject[stopReason == r & stopDrug == d])))
      else list()
    c(withName("reason", r, countRow(stopped$subject[stopReason == r])), list(byDrug = byDrug))
  })))

# ---- extension ----------------------------------------------------------------------------------

ra <- reassign[reassign$phase == extPhase, ]
ra <- ra[order(ra$subject, ra$date, method = "radix"), ]
ra <- ra[!duplicated(ra$subject, fromLast = TRUE), ] # the latest election of each subject
completedMain <- mainDisposition$status %in% "completed"
elected <- match(ids, ra$subject)
extDisposition <- dispositionOf(extPhase)
continuing <- which(!is.na(elected))
bucket <- vapply(continuing, function(i) {
  status <- extDisposition$status[[i]]
  if (!is.na(status) && status == "completed") return("completed")
  state <- if (is.na(status)) "ongoing" else "discontinued"
  if (is.na(milestoneDay)) return(state)
  end <- if (is.na(status)) dataCut else extDisposition$date[[i]]
  days <- as.numeric(as.Date(end) - as.Date(rnd$day0[[i]]))
  paste0(state, if (days >= milestoneDay) "_from_milestone" else "_before_milestone")
}, "")
bucketCodes <- if (is.na(milestoneDay)) c("completed", "ongoing", "discontinued") else
  c("completed", "ongoing_from_milestone", "ongoing_before_milestone",
    "discontinued_before_milestone", "discontinued_from_milestone")
rank <- function(list, item) ifelse(is.na(match(item, list)), length(list) + 1L, match(item, list))
choices <- ra[ra$subject %in% ids, ]
groups <- unique(choices[, c("option", "from_arm", "to_arm")])
groups <- groups[order(rank(extOptions, groups$option), rank(arms, groups$from_arm),
                       rank(arms, groups$to_arm)), ]
extension <- list(
  completedMainPhase = sum(completedMain),
  continued = length(continuing),
  notContinued = sum(completedMain & is.na(elected)),
  byArm = lapply(arms, function(a) list(arm = a, subjects = sum(choices$to_arm == a))),
  elections = lapply(seq_len(nrow(groups)), function(g) list(
    option = groups$option[[g]], fromArm = groups$from_arm[[g]], toArm = groups$to_arm[[g]],
    subjects = sum(choices$option == groups$option[[g]] & choices$from_arm == groups$from_arm[[g]] &
                   choices$to_arm == groups$to_arm[[g]]))),
  weeksOnTreatment = list(buckets = lapply(bucketCodes, function(b)
    list(code = b, subjects = sum(bucket == b)))))

# ---- JSON, by hand ------------------------------------------------------------------------------

quoted <- function(s) paste0('"', gsub('"', '\\"', gsub("\\", "\\\\", s, fixed = TRUE), fixed = TRUE), '"')
json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    inner <- vapply(x, json, "", USE.NAMES = FALSE)
    if (is.null(names(x))) return(paste0("[", paste0(inner, collapse = ","), "]"))
    return(paste0("{", paste0(quoted(names(x)), ":", inner, collapse = ","), "}"))
  }
  if (length(x) != 1L) stop("json: a scalar or a list expected, got length ", length(x))
  if (is.na(x)) return("null")
  if (is.character(x)) return(quoted(x))
  if (is.logical(x)) return(if (x) "true" else "false")
  if (!is.finite(x)) return("null")
  sprintf("%.17g", as.double(x))
}

writeLines(json(list(
  engine = paste("R", getRversion()),
  dataCut = dataCut,
  efficacy = efficacy,
  safety = safety,
  disposition = list(consort = consort, discontinuations = discontinuations),
  extension = extension)), out, useBytes = TRUE)
