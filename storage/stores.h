#ifndef CORRIDOR_STORAGE_STORES_H_
#define CORRIDOR_STORAGE_STORES_H_

#include "corridor/v1/agency_service.pb.h"
#include "corridor/v1/allocation_service.pb.h"
#include "corridor/v1/agreement_service.pb.h"
#include "corridor/v1/application_service.pb.h"
#include "corridor/v1/candidate_service.pb.h"
#include "corridor/v1/employer_service.pb.h"
#include "corridor/v1/ledger_service.pb.h"
#include "corridor/v1/vacancy_service.pb.h"
#include "storage/database.h"
#include "storage/record_store.h"

namespace corridor::storage {

// The kinds of record and their indexes (keys.h documents the grammar).
RecordKind AgencyKind();
RecordKind EmployerKind();
RecordKind CandidateKind();
RecordKind VacancyKind();
RecordKind AgreementKind();
RecordKind QuotaCellKind();
RecordKind ApplicationKind();
// Reservations are written only by the QuotaLedger (in its own batches);
// the store serves reads and listings.
RecordKind ReservationKind();
// Allocation rounds (proposals and their confirmations); no personal data
// beyond resource names.
RecordKind AllocationRoundKind();

// One store per kind of record, over one database. Quota cells are keyed by
// QuotaCellKey(agreement_id, cell_id). Thread-safe.
struct Stores {
  // `db` must outlive this object.
  explicit Stores(Database& db)
      : agencies(db, AgencyKind()),
        employers(db, EmployerKind()),
        candidates(db, CandidateKind()),
        vacancies(db, VacancyKind()),
        agreements(db, AgreementKind()),
        quota_cells(db, QuotaCellKind()),
        applications(db, ApplicationKind()),
        reservations(db, ReservationKind()),
        allocation_rounds(db, AllocationRoundKind()) {}

  RecordStore<v1::Agency> agencies;
  RecordStore<v1::Employer> employers;
  RecordStore<v1::Candidate> candidates;
  RecordStore<v1::Vacancy> vacancies;
  RecordStore<v1::Agreement> agreements;
  RecordStore<v1::QuotaCell> quota_cells;
  RecordStore<v1::Application> applications;
  RecordStore<v1::Reservation> reservations;
  RecordStore<v1::AllocationRound> allocation_rounds;
};

}  // namespace corridor::storage

#endif  // CORRIDOR_STORAGE_STORES_H_
