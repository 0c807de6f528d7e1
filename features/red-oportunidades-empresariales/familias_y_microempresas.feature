# language: es
@red_oportunidades
Característica: Red de Oportunidades Empresariales — familias pobres de Coclé, Herrera y Veraguas
  El programa conjunto (2009-2012) apoyó a familias pobres que emprenden microempresas de
  turismo o agricultura en Coclé, Herrera y Veraguas, con prioridad para las rurales e indígenas.

  Antecedentes:
    Dado un grupo en la provincia "Coclé"
    Y la fecha es 2011-03-01
    Y la localidad es rural
    Y el grupo tiene 6 integrantes
    Y todos los integrantes son pobres
    Y el proyecto es del sector turismo

  Regla: Provincia de Coclé, Herrera o Veraguas (target_province)

    Esquema del escenario: Un grupo de <provincia> resulta «<resultado>»
      Dado un grupo en la provincia "<provincia>"
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el resultado es "<resultado>"
      Y el criterio "target_province" da "<criterio>"

      Ejemplos:
        | provincia | resultado   | criterio  |
        | Coclé     | elegible    | cumple    |
        | Herrera   | elegible    | cumple    |
        | Veraguas  | elegible    | cumple    |
        | Chiriquí  | no elegible | no cumple |
        | Panamá    | no elegible | no cumple |

    Escenario: Chiriquí quedó fuera porque estaba pendiente de evaluación
      Dado un grupo en la provincia "Chiriquí"
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el único criterio que no se cumple es "target_province"
      Y la explicación cita "Chiriquí pendiente de evaluación"

  Regla: Familias en situación de pobreza (poor_families)

    Esquema del escenario: Un grupo con <k> de 6 integrantes pobres resulta «<resultado>»
      Dado <k> de los integrantes son pobres
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el resultado es "<resultado>"
      Y el criterio "poor_families" da "<criterio>"

      Ejemplos:
        | k | resultado   | criterio  |
        | 6 | elegible    | cumple    |
        | 5 | no elegible | no cumple |
        | 0 | no elegible | no cumple |

  Regla: Microempresa de turismo o agricultura (micro_enterprise_sector)

    Esquema del escenario: Una microempresa de <sector> resulta «<resultado>»
      Dado el proyecto es del sector <sector>
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el resultado es "<resultado>"
      Y el criterio "micro_enterprise_sector" da "<criterio>"

      Ejemplos:
        | sector      | resultado   | criterio  |
        | turismo     | elegible    | cumple    |
        | agricultura | elegible    | cumple    |
        | comercio    | no elegible | no cumple |
        | artesanías  | no elegible | no cumple |

  Regla: El programa conjunto operaba (in_force) y el grupo está en Panamá (in_panama)

    Esquema del escenario: Un grupo evaluado el <fecha> resulta «<resultado>»
      Dado la fecha es <fecha>
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el resultado es "<resultado>"
      Y el criterio "in_force" da "<criterio>"

      Ejemplos:
        | fecha      | resultado   | criterio  |
        | 2008-12-31 | no elegible | no cumple |
        | 2009-01-01 | elegible    | cumple    |
        | 2012-12-31 | elegible    | cumple    |
        | 2013-01-01 | no elegible | no cumple |

    Escenario: Un grupo en México no es elegible para la Red de Oportunidades
      Dado un grupo en el municipio "Chilapa de Álvarez"
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el grupo no es elegible
      Y el criterio "in_panama" no se cumple

  Regla: La prioridad a familias rurales e indígenas no es requisito (rural_priority, indigenous_priority)

    Esquema del escenario: Un grupo <localidad> con <k> integrantes indígenas sigue siendo elegible
      Dado la localidad es <localidad>
      Y <k> de los integrantes son indígenas
      Cuando se evalúa la elegibilidad para Red de Oportunidades Empresariales
      Entonces el grupo es elegible
      Y el criterio "rural_priority" da "<rural>"
      Y el criterio "indigenous_priority" da "<indígena>"

      Ejemplos:
        | localidad  | k | rural     | indígena  |
        | rural      | 2 | cumple    | cumple    |
        | periurbana | 1 | cumple    | cumple    |
        | urbana     | 0 | no cumple | no cumple |
