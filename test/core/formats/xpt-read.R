# Reads SAS transport files with haven::read_xpt and foreign::read.xport and prints every value, one
# per line: reader, file number, variable, row, value. Numbers print with 17 significant digits (so
# a double is exact), missing values as NA (haven's tagged missing values as NA(a), NA(_)…), strings
# as the hex of their bytes as stored, so that blanks and non-ASCII characters survive the trip.
# DATE and DATETIME values print as SAS stores them (days and seconds from 1960).
# Each reader also prints a "dims" line per file (rows, columns, names) and haven the labels.
# Usage: Rscript xpt-read.R FILE.xpt...
files <- commandArgs(trailingOnly = TRUE)

show <- function(x, tagged) {
  if (is.character(x)) {
    out <- vapply(x, function(s) paste0("s:", paste(as.character(charToRaw(s)), collapse = "")), "")
    out[is.na(x)] <- "NA"
    return(unname(out))
  }
  # haven gives DATE and DATETIME formatted variables as R dates: back to SAS's days and seconds from 1960.
  tags <- if (tagged) haven::na_tag(unclass(x)) else NULL
  if (inherits(x, "Date")) x <- as.numeric(x) + 3653
  if (inherits(x, "POSIXct")) x <- as.numeric(x) + 315619200
  x <- as.numeric(x)
  out <- sprintf("%.17g", x)
  out[!is.na(x) & x == 0 & 1 / x < 0] <- "-0"
  if (tagged) {
    out[is.na(x)] <- ifelse(is.na(tags[is.na(x)]), "NA", paste0("NA(", tags[is.na(x)], ")"))
  } else out[is.na(x)] <- "NA"
  out
}

emit <- function(reader, k, data, tagged) {
  cat(reader, k, "dims", nrow(data), ncol(data), paste(names(data), collapse = ","), "\n", sep = "\t")
  for (name in names(data)) {
    values <- show(data[[name]], tagged)
    if (length(values) > 0) cat(paste(reader, k, name, seq_along(values), values, sep = "\t"), sep = "\n")
    if (length(values) > 0) cat("\n")
  }
}

for (k in seq_along(files)) {
  h <- haven::read_xpt(files[[k]])
  emit("haven", k, h, TRUE)
  labels <- vapply(names(h), function(n) { l <- attr(h[[n]], "label"); if (is.null(l)) "" else l }, "")
  cat("haven", k, "labels", paste(labels, collapse = "|"), "\n", sep = "\t")
  emit("foreign", k, foreign::read.xport(files[[k]]), FALSE)
}
